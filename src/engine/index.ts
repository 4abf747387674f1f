/** The disco-diff tensor engine: libtorch tensors, autograd and scopes behind a typed API. */
export { Tensor, type DType, type Device, type TypedArray, type NestedArray, type TensorLike } from './tensor.js';
export { tidy, keep, liveTensors } from './scope.js';
export { mapBatches, sumBatches } from './batches.js';
export * from './creation.js';
export * from './random.js';
export * from './autograd.js';
export * from './runtime.js';
export * as F from './functional.js';
export * from './finite.js';

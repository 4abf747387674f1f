/** Data-parallel training on libtorch's c10d: rendezvous, process group, gradient buckets, launcher. */
export { distEnv, DEFAULT_TIMEOUT_S, type DistEnv } from './env.js';
export { Store } from './store.js';
export { ProcessGroup, defaultBackend, type Backend } from './group.js';
export { PeerFailure } from './failures.js';
export { GradientAverager, BUCKET_BYTES } from './gradients.js';
export { launch, type LaunchOptions } from './launch.js';

/** Data: in-memory datasets and batches, 2-D toy sets, Fashion-MNIST, image folders, arrays of points, config → dataset. */
export * from './dataset.js';
export * from './toy.js';
export * from './fashion-mnist.js';
export * from './image-folder.js';
export * from './array.js';
export * from './load.js';

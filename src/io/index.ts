/** Files: safetensors, .npy, checkpoints, atomic writes. */
export * from './atomic.js';
export * from './safetensors.js';
export * from './npy.js';
export * from './checkpoint.js';
export { PACKAGE_ROOT, packagePath, resolveShipped } from './package-files.js';

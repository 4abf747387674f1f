/** Networks: the Module base, layers, attention and initialisers. */
export * from './module.js';
export * from './layers.js';
export * from './attention.js';
export * from './transformer.js';
export * as init from './init.js';

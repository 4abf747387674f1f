/** Figures: scales, axes, data layers, panel layouts, image grids, PNG output and the paper's plots. */
export * from './colors.js';
export * from './scale.js';
export * from './axes.js';
export * from './series.js';
export * from './figure.js';
export * from './images.js';
export * from './png.js';
export * from './figures.js';

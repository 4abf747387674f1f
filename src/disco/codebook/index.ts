/**
 * The codebook machinery of analytic-Gaussian denoisers and k-means encoder heads: k-means, the
 * data-dependent start, code restarts (dead-code re-seeding, split-and-merge), the EMA refit, and
 * the class that applies them to a model during Stage I.
 */
export { kmeans, type KMeansOptions, type KMeansResult } from './kmeans.js';
export { spread } from './points.js';
export { setCentres, type RestartMove } from './moves.js';
export { CodeRestarts, type RestartOptions } from './restarts.js';
export { emaRefit } from './ema-refit.js';
export { AnalyticCodebook, type CodeBatch } from './analytic-codebook.js';
export { kmeansHeads, initHeadsFromData } from './head-init.js';

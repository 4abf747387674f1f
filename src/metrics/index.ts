/**
 * Metrics: optimal transport (W2), mode coverage and latent purity, ODE curvature, Jacobian norms,
 * code usage, Fréchet distance and precision/recall of features.
 */
export * from './assignment.js';
export * from './ot.js';
export * from './modes.js';
export * from './curvature.js';
export * from './jacobian.js';
export * from './code-usage.js';
export * from './frechet.js';
export * from './precision-recall.js';
export * from './repeats.js';

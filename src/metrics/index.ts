/** Metrics: optimal transport (W2), mode coverage and latent purity, ODE curvature, Jacobian norms. */
export * from './assignment.js';
export * from './ot.js';
export * from './modes.js';
export * from './curvature.js';
export * from './jacobian.js';

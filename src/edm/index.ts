/**
 * EDM (Karras et al. 2022), the formulas only: preconditioning, EDM and VDM++ losses, the σ
 * schedule, samplers (Euler, Heun, stochastic, Restart), the sampler's denoiser and the exact
 * denoiser of a Gaussian mixture. The networks are in src/networks/.
 */
export * from './precond.js';
export * from './loss.js';
export * from './schedule.js';
export * from './samplers.js';
export * from './denoiser.js';
export * from './gmm.js';

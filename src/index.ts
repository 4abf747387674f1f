/**
 * disco-diff: the public API. The engine (tensors, autograd, scopes), nn layers, optimizers, file
 * formats, metrics and plots; EDM (preconditioning, EDM and VDM++ losses, σ schedule, samplers
 * with Restart, exact GMM denoiser); DisCo-Diff (conditioning, Gumbel-Softmax, latent embedding,
 * codebook remedies, AR prior, model, sampling); the networks (2-D MLP denoiser, U-Net, MLP and ViT
 * encoders, EDM export); data; configs; training (Stage I and II, data-parallel over c10d process
 * groups) and evaluation.
 */
export * from './engine/index.js';
export * from './parallel/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './io/index.js';
export * from './metrics/index.js';
export * from './plot/index.js';
export * from './edm/index.js';
export * from './disco/index.js';
export * from './networks/index.js';
export * from './data/index.js';
export * from './config/schema.js';
export * from './config/load.js';
export * from './train/stage1.js';
export * from './train/stage2.js';
export * from './train/load-run.js';
export * from './train/export.js';
export * from './eval/toy.js';
export * from './eval/low-nfe.js';
export * from './eval/commands.js';
export { startServer, type ServeOptions, type Serving } from './serve/server.js';

/**
 * disco-diff: the public API. The engine (tensors, autograd, scopes), nn layers, optimizers, file
 * formats, metrics and plots; EDM (preconditioning, EDM and VDM++ losses, σ schedule, samplers
 * with Restart, exact GMM denoiser, U-Net); DisCo-Diff (Gumbel-Softmax, encoders, latent embedding, codebook remedies, AR
 * prior, model, sampling); data; configs; training (Stage I and II) and evaluation.
 */
export * from './engine/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './io/index.js';
export * from './metrics/index.js';
export * from './plot/index.js';
export * from './edm/precond.js';
export * from './edm/loss.js';
export * from './edm/schedule.js';
export * from './edm/samplers.js';
export * from './edm/denoiser.js';
export * from './edm/embeddings.js';
export * from './edm/gmm.js';
export * from './edm/unet.js';
export * from './disco/conditioning.js';
export * from './disco/gumbel.js';
export * from './disco/encoder.js';
export * from './disco/vit-encoder.js';
export * from './disco/latent-embedding.js';
export * from './disco/codebook.js';
export * from './disco/analytic-codebook.js';
export * from './disco/model.js';
export * from './disco/prior.js';
export * from './disco/sample.js';
export * from './disco/switching.js';
export * from './models/mlp-denoiser.js';
export * from './models/build.js';
export * from './data/toy.js';
export * from './data/dataset.js';
export * from './data/load.js';
export * from './data/fashion-mnist.js';
export * from './data/image-folder.js';
export * from './config/schema.js';
export * from './config/load.js';
export * from './train/stage1.js';
export * from './train/stage2.js';
export * from './train/load-run.js';
export * from './eval/toy.js';
export * from './eval/low-nfe.js';
export * from './eval/commands.js';
export { startServer, type ServeOptions, type Serving } from './serve/server.js';

/**
 * DisCo-Diff's latent machinery (Xu et al. 2024): conditioning, Gumbel-Softmax, latent embedding,
 * the encoder contract, the Stage-I model, codebook remedies, the AR prior, sampling and latent
 * switching. The networks are in src/networks/.
 */
export * from './conditioning.js';
export * from './gumbel.js';
export * from './pointer.js';
export * from './latent-embedding.js';
export * from './encoder.js';
export * from './model.js';
export * from './codebook/index.js';
export * from './prior.js';
export * from './denoiser.js';
export * from './sample.js';
export * from './switching.js';

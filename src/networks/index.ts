/**
 * Every network: the noise embedding, the 2-D MLP denoiser, the EDM U-Net (with DisCo-Diff's
 * cross-attention to the latents), the MLP and ViT encoders, their export to EDM's layout, and
 * config → networks.
 */
export * from './noise-embedding.js';
export * from './mlp-denoiser.js';
export * from './unet.js';
export * from './mlp-encoder.js';
export * from './vit-encoder.js';
export * from './build.js';
export * from './edm-export.js';

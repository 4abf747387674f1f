/** Config → networks: the backbone inside EDM's preconditioning and the latent encoder. */
import { codeCovarianceFor, type RunConfig } from '../config/schema.js';
import type { DataInfo } from '../data/dataset.js';
import { EDMPrecond, type Backbone } from '../edm/precond.js';
import type { Conditioning } from '../disco/conditioning.js';
import type { LatentEncoder } from '../disco/encoder.js';
import { DiscoDiff } from '../disco/model.js';
import { MLPDenoiser } from './mlp-denoiser.js';
import { MLPEncoder } from './mlp-encoder.js';
import { UNet, type UNetOptions } from './unet.js';
import { ViTEncoder } from './vit-encoder.js';

/** The network F_θ a run's `model` section describes. */
export function buildBackbone(cfg: RunConfig, info: DataInfo): Backbone<Conditioning> {
  const latents = cfg.latents.enabled ? { m: cfg.latents.m, k: cfg.latents.k } : null;
  const m = cfg.model;
  switch (m.kind) {
    case 'mlp': {
      if (info.shape.length !== 1) throw new Error(`model 'mlp' needs vector data, got samples of shape [${info.shape}]`);
      const { kind: _, ...mlp } = m;
      const dim = info.shape[0]!;
      return new MLPDenoiser({ ...mlp, codeCovariance: codeCovarianceFor(m, cfg.latents, dim), dim, latents, sigmaData: info.sigmaData });
    }
    case 'unet':
      return new UNet(unetOptionsFor(cfg, info));
  }
}

/** The U-Net options of a run whose `model` is a U-Net, for data of `info`'s shape. */
export function unetOptionsFor(cfg: RunConfig, info: Pick<DataInfo, 'shape' | 'numClasses' | 'sigmaData'>): UNetOptions {
  const m = cfg.model;
  if (m.kind !== 'unet') throw new Error(`model kind is ${m.kind}, not unet`);
  const [c, h, w] = info.shape as [number, number, number];
  if (info.shape.length !== 3 || h !== w) throw new Error(`model 'unet' needs square images [C, H, W], got [${info.shape}]`);
  const { kind: _, ...unet } = m;
  return { ...unet, resolution: h, inChannels: c, numClasses: info.numClasses,
    latents: cfg.latents.enabled ? { m: cfg.latents.m, k: cfg.latents.k } : null, sigmaData: info.sigmaData };
}

/** The latent encoder a run's `encoder` section describes, or null when latents are off. */
export function buildEncoder(cfg: RunConfig, info: DataInfo): LatentEncoder | null {
  if (!cfg.latents.enabled) return null;
  const { m, k } = cfg.latents;
  const e = cfg.encoder;
  switch (e.kind) {
    case 'mlp': {
      const { kind: _, ...mlp } = e;
      return new MLPEncoder({ ...mlp, inDim: info.shape.reduce((a, b) => a * b, 1), m, k });
    }
    case 'vit': {
      const [c, h] = info.shape as [number, number];
      if (info.shape.length !== 3) throw new Error(`encoder 'vit' needs images [C, H, W], got [${info.shape}]`);
      const { kind: _, headInit: __, ...vit } = e;
      return new ViTEncoder({ ...vit, resolution: h, inChannels: c, m, k, numClasses: info.numClasses });
    }
  }
}

/** The preconditioned denoiser D_θ around the run's backbone. */
export function buildDenoiser(cfg: RunConfig, info: DataInfo): EDMPrecond<Conditioning> {
  return new EDMPrecond(buildBackbone(cfg, info), info.sigmaData);
}

/** The whole Stage-I model: denoiser, and encoder when latents are on. */
export function createModel(cfg: RunConfig, info: DataInfo): DiscoDiff {
  return new DiscoDiff(buildDenoiser(cfg, info), buildEncoder(cfg, info), cfg.latents, cfg.edm);
}

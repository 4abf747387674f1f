// Network options for tests: the keys a test gives, everything else as the config schema resolves it
// (src/config/schema.ts is the one place for defaults; the constructors take every option).
import {
  LatentConfig, MLPEncoderConfig, MLPModelConfig, PriorConfig, UNetModelConfig, ViTEncoderConfig, codeCovarianceFor,
} from '../../src/config/schema.js';
import type { MLPDenoiserOptions } from '../../src/networks/mlp-denoiser.js';
import type { MLPEncoderOptions } from '../../src/networks/mlp-encoder.js';
import type { UNetOptions } from '../../src/networks/unet.js';
import type { ViTEncoderOptions } from '../../src/networks/vit-encoder.js';
import type { PriorOptions } from '../../src/disco/prior.js';

/** A U-Net's options: resolution and channels given; no classes or latents and σ_data 0.5 unless given. */
export function unetOptions(o: Pick<UNetOptions, 'resolution' | 'inChannels'> & Partial<UNetOptions>): UNetOptions {
  const { resolution, inChannels, numClasses = 0, latents = null, sigmaData = 0.5, ...model } = o;
  const { kind: _, ...resolved } = UNetModelConfig.parse({ kind: 'unet', ...model });
  return { ...resolved, resolution, inChannels, numClasses, latents, sigmaData };
}

/** An MLP denoiser's options: the data width given; σ_data 0.5 unless given; the codes' covariance as a run resolves it. */
export function mlpDenoiserOptions(o: Pick<MLPDenoiserOptions, 'dim' | 'latents'> & Partial<MLPDenoiserOptions>): MLPDenoiserOptions {
  const { dim, latents, sigmaData = 0.5, ...model } = o;
  const parsed = MLPModelConfig.parse({ kind: 'mlp', ...model });
  const { kind: _, ...resolved } = parsed;
  return { ...resolved, codeCovariance: codeCovarianceFor(parsed, LatentConfig.parse({}), dim), dim, latents, sigmaData };
}

/** An MLP encoder's options: input width and latents given. */
export function mlpEncoderOptions(o: Pick<MLPEncoderOptions, 'inDim' | 'm' | 'k'> & Partial<MLPEncoderOptions>): MLPEncoderOptions {
  const { inDim, m, k, ...encoder } = o;
  const { kind: _, ...resolved } = MLPEncoderConfig.parse({ kind: 'mlp', ...encoder });
  return { ...resolved, inDim, m, k };
}

/** A ViT encoder's options: image size and latents given; no classes unless given. */
export function vitEncoderOptions(o: Pick<ViTEncoderOptions, 'resolution' | 'inChannels' | 'm' | 'k'> & Partial<ViTEncoderOptions>):
  ViTEncoderOptions {
  const { resolution, inChannels, m, k, numClasses = 0, ...encoder } = o;
  const { kind: _, headInit: __, ...resolved } = ViTEncoderConfig.parse({ kind: 'vit', ...encoder });
  return { ...resolved, resolution, inChannels, m, k, numClasses };
}

/** A prior's options: latents given; no classes unless given. */
export function priorOptions(o: Pick<PriorOptions, 'm' | 'k'> & Partial<PriorOptions>): PriorOptions {
  const { m, k, numClasses = 0, ...prior } = o;
  const { dim, layers, heads } = PriorConfig.parse(prior);
  return { m, k, numClasses, dim, layers, heads };
}

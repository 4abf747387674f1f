/** What a DisCo-Diff denoiser is conditioned on, besides x and σ: EDM's labels plus the latents. */
import type { Tensor } from '../engine/index.js';
import type { EDMConditioning } from '../edm/precond.js';

/** EDM's conditioning plus DisCo-Diff's latents. */
export interface Conditioning extends EDMConditioning {
  /**
   * Discrete latents as (relaxed) one-hot vectors [B, m, k]: straight-through Gumbel-Softmax
   * samples in training, one-hot codes when sampling. null/undefined = no latents (every sample
   * gets the learned null embedding, i.e. the unconditional denoiser D(x, σ, ∅)).
   */
  latents?: Tensor | null;
  /** bool [B]: true where a sample's latents are replaced by the null embedding (latent dropout). */
  dropLatents?: Tensor;
}


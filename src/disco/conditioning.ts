/** What a denoiser is conditioned on, besides x and σ. */
import type { Tensor } from '../engine/index.js';

export interface Conditioning {
  /**
   * Discrete latents as (relaxed) one-hot vectors [B, m, k]: straight-through Gumbel-Softmax
   * samples in training, one-hot codes when sampling. null/undefined = no latents (every sample
   * gets the learned null embedding, i.e. the unconditional denoiser D(x, σ, ∅)).
   */
  latents?: Tensor | null;
  /** bool [B]: true where a sample's latents are replaced by the null embedding (latent dropout). */
  dropLatents?: Tensor;
  /** int64 [B] class labels, for class-conditional models. */
  labels?: Tensor;
}

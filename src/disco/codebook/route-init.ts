/**
 * Fitting the encoder to the codebook's start. k-means places the centres on the data's clusters,
 * but a random encoder routes nearly every point to a few codes: on the 5×5 grid it picked 10 of
 * 25 codes at step 1 and 4 by step 100, faster than restarts revive them (bench/toy-codes.ts).
 * So before Stage I the encoder alone learns, by cross-entropy, to route each point to its k-means
 * cluster (every latent the same target, as every latent starts with the same centres).
 */
import { Generator, randint, tidy, type Tensor } from '../../engine/index.js';
import { Adam } from '../../optim/index.js';
import type { LatentEncoder } from '../encoder.js';

/** Cross-entropy fit of `encoder` (its parameters `params`) to route points x [N, …] to clusters [N] (int64). */
export function fitRouting(encoder: LatentEncoder, params: [string, Tensor][], x: Tensor, clusters: Tensor,
  o: { steps: number; generator: Generator; batch?: number; lr?: number }): void {
  const opt = new Adam(params, { lr: o.lr ?? 3e-3 });
  const B = Math.min(o.batch ?? 256, x.size(0));
  try {
    for (let s = 0; s < o.steps; s++) {
      tidy(() => {
        const idx = randint(0, x.size(0), [B], { generator: o.generator });
        const logp = encoder.forward(x.indexSelect(0, idx)).logSoftmax(-1); // (B, m, k)
        const target = clusters.indexSelect(0, idx).view(B, 1, 1).expand(B, logp.size(1), 1);
        logp.gather(2, target).mean().neg().backward();
      });
      opt.update();
      opt.zeroGrad();
    }
  } finally {
    opt.dispose();
  }
}

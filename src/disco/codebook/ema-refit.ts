/** The EMA refit of an analytic denoiser's per-code Gaussians to the points each code holds. */
import { F, noGrad, tidy, where, type Tensor } from '../../engine/index.js';
import { N } from '../../engine/native.js';
import { fusable } from '../fused.js';

/**
 * One EMA step of each code's Gaussian towards the batch statistics of the points it holds (the
 * VQ-VAE codebook EMA, here for the mean and the isotropic variance), in place and without
 * gradients: for codes with ≥ 1 of the batch points x [B, d] (codes [B, m] int64),
 * μ ← d·μ + (1 − d)·mean, and with ≥ 2, s² ← d·s² + (1 − d)·var (unbiased, per dimension;
 * s ≥ minStd). means [m, k, d], logStds [m, k] (or null when the model learns no scales). With k
 * codes near a batch's size (images: 100 codes, batch 32) most codes hold one point or none.
 * The members' squared deviations come from Σ‖x‖² − n‖mean‖², so no [m, B, d] tensor is formed.
 */
export function emaRefit(means: Tensor, logStds: Tensor | null, x: Tensor, codes: Tensor, decay: number, minStd: number): void {
  if (fusable(means, x, ...(logStds ? [logStds] : []))) return N.emaRefit(means.id, logStds?.id ?? null, x.id, codes.id, decay, minStd);
  tidy(() => noGrad(() => {
    const [m, k, d] = means.shape as [number, number, number];
    const B = x.size(0);
    const xs = x.to({ dtype: means.dtype }); // (B, d)
    const z = F.oneHot(codes, k).to({ dtype: means.dtype }).permute(1, 2, 0).reshape(m * k, B); // (m·k, B)
    const n = z.sum(1, true); // (m·k, 1)
    const mean = z.matmul(xs).div(n.clamp(1)); // (m·k, d)
    const ss = z.matmul(xs.square().sum(1, true)).sub(mean.square().sum(1, true).mul(n)).clamp(0); // (m·k, 1)
    const v = ss.div(n.sub(1).clamp(1).mul(d)).reshape(m, k, 1);
    const n3 = n.reshape(m, k, 1);
    means.addcmul_(mean.reshape(m, k, d).sub(means), n3.ge(1).to({ dtype: means.dtype }), 1 - decay); // codes with no point stay
    if (logStds) {
      const s2 = logStds.mul(2).exp().unsqueeze(-1).mul(decay).add(v.mul(1 - decay));
      logStds.copy_(where(n3.ge(2), s2.sqrt().clamp(minStd).log(), logStds.unsqueeze(-1)).squeeze(-1));
    }
  }));
}

/**
 * EDM training loss (Karras et al. 2022, Eq. 8 and Table 1): ln σ ~ N(P_mean, P_std²),
 * λ(σ) = (σ² + σ_data²)/(σ·σ_data)², loss = λ(σ)·‖D(y + n, σ) − y‖², n ~ N(0, σ² I).
 */
import { randn, randnLike, type Generator, type Tensor } from '../engine/index.js';

export interface EDMLossOptions {
  pMean?: number;
  pStd?: number;
  sigmaData?: number;
  generator?: Generator;
}

/** A denoiser as the loss sees it: noisy x and σ [B] → clean estimate. */
export type DenoiseBatch = (x: Tensor, sigma: Tensor) => Tensor;

/** Per-element weighted loss [B, …] and the σ [B] drawn for each sample. */
export function edmLoss(D: DenoiseBatch, y: Tensor, o: EDMLossOptions = {}): { loss: Tensor; sigma: Tensor } {
  const { pMean = -1.2, pStd = 1.2, sigmaData: sd = 0.5, generator } = o;
  const B = y.size(0);
  const rnd = randn([B], { dtype: y.dtype, device: y.device, generator });
  const sigma = rnd.mul(pStd).add(pMean).exp();
  const s = sigma.reshape(B, ...y.shape.slice(1).map(() => 1));
  const weight = s.square().add(sd * sd).div(s.mul(sd).square());
  const n = randnLike(y, { generator }).mul(s);
  const D_yn = D(y.add(n), sigma);
  return { loss: weight.mul(D_yn.sub(y).square()), sigma };
}

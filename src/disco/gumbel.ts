/**
 * Gumbel-Softmax (Jang et al. 2017; Maddison et al. 2017): y = softmax((logits + s·g)/τ),
 * g = −log(−log u), u ~ U(0, 1), noise scale s = 1. The hard form is one-hot in the forward pass
 * with the soft sample's gradient (straight-through): y_hard − stopgrad(y) + y. With s = 0 the hard
 * form is the argmax code with softmax(logits/τ)'s gradient (a deterministic straight-through code).
 */
import { F, Tensor, rand, type Generator } from '../engine/index.js';
import { N } from '../engine/native.js';
import { fusable } from './fused.js';

/** Temperature, hard (straight-through) samples, noise scale (a run's latents.tau, hard, gumbelNoise) and generator. */
export interface GumbelOptions {
  /** Temperature τ (paper: 1 in training, 0.01 ≈ argmax for extraction). */
  tau: number;
  /** Straight-through one-hot samples. */
  hard: boolean;
  /** Scale s of the Gumbel noise (1 = a categorical sample; 0 = none, argmax in the hard form). */
  noise: number;
  generator?: Generator;
}

/** Relaxed categorical samples over the last dim of `logits` [..., k]. */
export function gumbelSoftmax(logits: Tensor, o: GumbelOptions): Tensor {
  const { tau, hard, noise, generator } = o;
  const u = noise > 0 ? rand(logits.shape, { dtype: logits.dtype, device: logits.device, generator }) : null;
  if (fusable(logits)) return new Tensor(N.gumbelSoftmax(logits.id, u ? u.id : null, tau, noise, hard));
  const perturbed = u ? logits.add(u.clamp(1e-10, 1 - 1e-7).log().neg().log().neg().mul(noise)) : logits;
  const y = perturbed.div(tau).softmax(-1);
  if (!hard) return y;
  const k = logits.size(-1);
  const yHard = F.oneHot(y.argmax(-1), k).to({ dtype: y.dtype });
  return yHard.sub(y.detach()).add(y);
}

/** One-hot float vectors [..., k] of integer codes [...]. */
export function oneHotCodes(codes: Tensor, k: number, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  return F.oneHot(codes, k).to({ dtype });
}

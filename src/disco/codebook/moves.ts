/** A restart's (or the initialisation's) change of one code, and writing such changes into the model. */
import { noGrad, tensor, type Tensor } from '../../engine/index.js';
import type { Point } from './points.js';

/** One change of a code's centre and scale made by a restart (or the initialisation). */
export interface RestartMove {
  latent: number;
  code: number;
  centre: Point;
  reason: 'dead' | 'split' | 'merge';
  /** The per-dimension std of the points the code now stands for (its new scale s). */
  std: number;
  /** The code whose encoder logit this code copies (dead and freed codes), if any. */
  donor?: number;
}

/**
 * Writes centres into `means` [m, k, d] and those codes' scales into `logStds` [m, k] (ln of the
 * move's std, floored at `minStd`); no gradient is recorded.
 */
export function setCentres(means: Tensor, logStds: Tensor | null, moves: RestartMove[], minStd: number): void {
  if (!moves.length) return;
  const [m, k, d] = means.shape as [number, number, number];
  const mu = means.toFlatArray();
  const ls = logStds?.toFlatArray();
  for (const mv of moves) {
    mv.centre.forEach((v, t) => { mu[(mv.latent * k + mv.code) * d + t] = v; });
    if (ls) ls[mv.latent * k + mv.code] = Math.log(Math.max(mv.std, minStd));
  }
  noGrad(() => {
    const a = tensor(mu, { dtype: means.dtype, shape: [m, k, d] });
    means.copy_(a);
    a.dispose();
    if (logStds && ls) {
      const b = tensor(ls, { dtype: logStds.dtype, shape: [m, k] });
      logStds.copy_(b);
      b.dispose();
    }
  });
}

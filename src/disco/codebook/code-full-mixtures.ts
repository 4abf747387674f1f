/**
 * A mixture of c full-covariance Gaussians inside each code (`model.codeModes` > 1 with
 * `model.codeCovariance: full`; src/disco/gaussian-skip.ts): a code that holds several modes, each
 * of any shape. Started by k-means within each code's cluster (each part's covariance), refitted by
 * an EMA of EM steps over the points the code holds, moved with a code when a restart moves it.
 */
import { F, eye, noGrad, randn, stack, tensor, tidy, where, type Generator, type Tensor } from '../../engine/index.js';
import { splitClusters } from './code-mixtures.js';
import { covarianceOf } from './code-covariances.js';
import type { Point } from './points.js';
import type { RestartMove } from './moves.js';
import { N } from '../../engine/native.js';
import { fusable } from '../fused.js';

/** Each code's mixture: means [m, k, c, d], covariances [m, k, c, d, d], log-weights [m, k, c]; updated in place. */
export interface FullMixtures {
  means: Tensor;
  cov: Tensor;
  logWeights: Tensor;
}

/** Starts code j's mixture (every latent) from k-means with c parts of its cluster: their centres, covariances and shares. */
export function initFullMixtures(mix: FullMixtures, groups: Point[][], gen: Generator, minStd: number): void {
  const [m, k, c, d] = mix.means.shape as [number, number, number, number];
  const parts = splitClusters(groups, c, d, gen);
  const all = (f: (p: (typeof parts)[number][number]) => number[]) => Float64Array.from(parts.flatMap((code) => code.flatMap(f)));
  tidy(() => noGrad(() => {
    const set = (t: Tensor, v: Float64Array, shape: number[]) =>
      t.copy_(tensor(v, { dtype: 'float64', shape: [1, k, c, ...shape] }).expand(m, k, c, ...shape));
    set(mix.means, all((p) => p.centre), [d]);
    set(mix.logWeights, all((p) => [Math.log(Math.max(p.share, 1e-6))]), []);
    set(mix.cov, all((p) => covarianceOf(p.members, d, minStd)), [d, d]);
  }));
}

/**
 * One EMA step of EM for every code's mixture on a batch: each point x [B, d] of code j (codes
 * [B, m], int64) is shared among code j's components by their posterior r_c ∝ π_c N(x; μ_c, Σ_c),
 * and each component's mean, covariance (the r-weighted scatter about the r-weighted mean) and weight
 * take an EMA step (decay) towards the batch's; components with no weight in the batch keep theirs.
 */
export function refitFullMixtures(mix: FullMixtures, x: Tensor, codes: Tensor, decay: number, minStd: number): void {
  if (fusable(mix.means, mix.cov, mix.logWeights, x)) {
    return N.refitFullMixtures(mix.means.id, mix.cov.id, mix.logWeights.id, x.id, codes.id, decay, minStd);
  }
  const [m, k, c, d] = mix.means.shape as [number, number, number, number];
  tidy(() => noGrad(() => {
    const xs = x.to({ dtype: 'float64' }); // (B, d)
    const outer = xs.unsqueeze(2).mul(xs.unsqueeze(1)); // (B, d, d)
    const [mu, cov, lw] = [mix.means, mix.cov, mix.logWeights].map((t) => t.double()) as [Tensor, Tensor, Tensor];
    const { values, vectors } = F.eigh(cov);
    const logVars = values.clamp(minStd * minStd).log(); // (m, k, c, d)
    const next = Array.from({ length: m }, (_, i) => {
      const code = codes.select(1, i); // (B)
      const [ownMu, ownU, ownLv] = [mu, vectors, logVars].map((t) => t.select(0, i).indexSelect(0, code)) as [Tensor, Tensor, Tensor];
      const coords = xs.unsqueeze(1).sub(ownMu).unsqueeze(-2).matmul(ownU).squeeze(-2); // Uᵀ(x − μ): (B, c, d)
      const logp = lw.select(0, i).logSoftmax(1).indexSelect(0, code)
        .sub(coords.square().div(ownLv.exp()).sum(2).mul(0.5)).sub(ownLv.sum(2).mul(0.5)); // (B, c)
      const r = logp.softmax(1); // (B, c)
      const W = F.oneHot(code, k).to({ dtype: 'float64' }).transpose(0, 1); // (k, B)
      const n = W.matmul(r); // (k, c)
      const mean = W.matmul(r.unsqueeze(2).mul(xs.unsqueeze(1)).reshape(-1, c * d)).reshape(k, c, d).div(n.clamp(1e-12).unsqueeze(2));
      const second = W.matmul(r.reshape(-1, c, 1, 1).mul(outer.unsqueeze(1)).reshape(-1, c * d * d)).reshape(k, c, d, d);
      const scatter = second.div(n.clamp(1e-12).reshape(k, c, 1, 1)).sub(mean.unsqueeze(3).mul(mean.unsqueeze(2)));
      const seen = n.gt(1e-6), total = n.sum(1, true);
      const share = lw.select(0, i).softmax(1).mul(decay).add(n.div(total.clamp(1e-12)).mul(1 - decay));
      return {
        mean: where(seen.unsqueeze(2), mu.select(0, i).mul(decay).add(mean.mul(1 - decay)), mu.select(0, i)),
        cov: where(seen.reshape(k, c, 1, 1), cov.select(0, i).mul(decay).add(scatter.mul(1 - decay)), cov.select(0, i)),
        logWeight: where(total.gt(1e-6), share.clamp(1e-6).log(), lw.select(0, i)),
      };
    });
    mix.means.copy_(stack(next.map((t) => t.mean), 0));
    mix.cov.copy_(stack(next.map((t) => t.cov), 0));
    mix.logWeights.copy_(stack(next.map((t) => t.logWeight), 0));
  }));
}

/**
 * After restarts: a moved code's components restart about its new centre — offsets of N(0, std²)
 * per coordinate, covariance std²I, equal weights.
 */
export function moveFullMixtures(mix: FullMixtures, moves: RestartMove[], gen: Generator, minStd: number): void {
  if (!moves.length) return;
  const [, k, c, d] = mix.means.shape as [number, number, number, number];
  noGrad(() => tidy(() => {
    const offsets = randn([moves.length, c, d], { generator: gen, dtype: 'float64' });
    moves.forEach((mv, n) => {
      const std = Math.max(mv.std, minStd), at = mv.latent * k + mv.code;
      mix.means.reshape(-1, c, d).select(0, at).copy_(offsets.select(0, n).mul(std).add(tensor(mv.centre, { dtype: 'float64' })));
      mix.cov.reshape(-1, c, d, d).select(0, at).copy_(eye(d, { dtype: 'float64' }).mul(std * std).expand(c, d, d));
      mix.logWeights.reshape(-1, c).select(0, at).fill_(-Math.log(c));
    });
  }));
}

/**
 * The mixture of c Gaussians inside each code (`model.codeModes` > 1; src/disco/gaussian-skip.ts):
 * started by k-means within each code's cluster, refitted by an EMA of EM steps over the points the
 * code holds, and moved with a code when a restart moves it.
 */
import { F, noGrad, randn, tensor, tidy, where, type Generator, type Tensor } from '../../engine/index.js';
import { N } from '../../engine/native.js';
import { fusable } from '../fused.js';
import { kmeans } from './kmeans.js';
import { meanOf, spread, type Point } from './points.js';
import type { RestartMove } from './moves.js';

/** Each code's mixture: means [m, k, c, d], log-stds and log-weights [m, k, c], updated in place. */
export interface CodeMixtures {
  means: Tensor;
  logStds: Tensor;
  logWeights: Tensor;
}

/**
 * Starts code j's mixture (of every latent) from k-means with c centres on the points of its
 * cluster `groups[j]`: the centres, their clusters' spreads and shares. A cluster with fewer than c
 * points puts its extra components on the first one's centre, with weight ~0.
 */
export function initMixtures(mix: CodeMixtures, groups: Point[][], gen: Generator, minStd: number): void {
  const [m, k, c, d] = mix.means.shape as [number, number, number, number];
  const mu = new Float64Array(m * k * c * d), ls = new Float64Array(m * k * c), lw = new Float64Array(m * k * c);
  splitClusters(groups, c, d, gen).forEach((parts, j) => parts.forEach(({ centre, members, share }, s) => {
    for (let i = 0; i < m; i++) {
      const at = (i * k + j) * c + s;
      mu.set(centre, at * d);
      ls[at] = Math.log(Math.max(spread(members.length ? members : groups[j]!, centre), minStd));
      lw[at] = Math.log(Math.max(share, 1e-6));
    }
  }));
  write(mix, mu, ls, lw);
}

/** One part of a code's cluster: its centre, its points and their share of the cluster. */
export interface ClusterPart {
  centre: Point;
  members: Point[];
  share: number;
}

/**
 * Each cluster `groups[j]` split by k-means into c parts (3 seedings). A cluster with fewer than c
 * points is one part at its mean, the other parts empty at the same centre.
 */
export function splitClusters(groups: Point[][], c: number, d: number, gen: Generator): ClusterPart[][] {
  return groups.map((pts) => {
    const fit = pts.length >= c ? tidy(() => {
      const r = kmeans(tensor(pts, { dtype: 'float64' }), c, gen, { iters: 25, tries: 3 });
      return { centres: r.centres.toArray() as Point[], labels: r.labels.toFlatArray() };
    }) : null;
    return Array.from({ length: c }, (_, s) => {
      const members = fit ? pts.filter((_, b) => fit.labels[b] === s) : s === 0 ? pts : [];
      const centre = fit?.centres[s] ?? (pts.length ? meanOf(pts, d) : new Array<number>(d).fill(0));
      return { centre, members, share: members.length / Math.max(1, pts.length) };
    });
  });
}

/**
 * One EMA step of EM for every code's mixture on a batch: each point x [B, d] of code j (codes
 * [B, m], int64) is shared among code j's components by their posterior r_c ∝ π_c N(x; μ_c, s_c² I),
 * and each component's mean, isotropic variance and weight take an EMA step (decay) towards the
 * r-weighted batch statistics; components with no weight in the batch keep theirs. Soft shares,
 * not nearest-component ones: a code that holds one Gaussian mode is then fitted by overlapping
 * components whose mixture is close to that Gaussian, where hard k-means would cut it in two
 * narrow halves and make the skip wrong.
 */
export function refitMixtures(mix: CodeMixtures, x: Tensor, codes: Tensor, decay: number, minStd: number): void {
  if (fusable(mix.means, mix.logStds, mix.logWeights, x)) {
    return N.refitMixtures(mix.means.id, mix.logStds.id, mix.logWeights.id, x.id, codes.id, decay, minStd);
  }
  const [m, k, c, d] = mix.means.shape as [number, number, number, number];
  tidy(() => noGrad(() => {
    const xs = x.to({ dtype: mix.means.dtype }); // (B, d)
    const sq = xs.square().sum(1, true); // (B, 1)
    for (let i = 0; i < m; i++) {
      const code = codes.select(1, i); // (B)
      const [mu, ls, lw] = [mix.means.select(0, i), mix.logStds.select(0, i), mix.logWeights.select(0, i)]; // (k, c, d), (k, c), (k, c)
      const own = mu.indexSelect(0, code), ownLs = ls.indexSelect(0, code); // (B, c, d), (B, c)
      const logp = lw.logSoftmax(1).indexSelect(0, code)
        .sub(xs.unsqueeze(1).sub(own).square().sum(2).mul(ownLs.mul(-2).exp()).mul(0.5)).sub(ownLs.mul(d)); // (B, c)
      const r = logp.softmax(1); // (B, c)
      const W = F.oneHot(code, k).to({ dtype: xs.dtype }).transpose(0, 1); // (k, B)
      const n = W.matmul(r); // (k, c)
      const s1 = W.matmul(r.unsqueeze(2).mul(xs.unsqueeze(1)).reshape(-1, c * d)).reshape(k, c, d);
      const s2 = W.matmul(r.mul(sq)); // (k, c)
      const mean = s1.div(n.clamp(1e-12).unsqueeze(2));
      const variance = s2.sub(mean.square().sum(2).mul(n)).div(n.clamp(1e-12).mul(d)).clamp(minStd * minStd);
      const seen = n.gt(1e-6), total = n.sum(1, true);
      mu.copy_(where(seen.unsqueeze(2), mu.mul(decay).add(mean.mul(1 - decay)), mu));
      ls.copy_(where(seen, ls.mul(2).exp().mul(decay).add(variance.mul(1 - decay)).log().mul(0.5), ls));
      const share = lw.softmax(1).mul(decay).add(n.div(total.clamp(1e-12)).mul(1 - decay));
      lw.copy_(where(total.gt(1e-6), share.clamp(1e-6).log(), lw));
    }
  }));
}

/**
 * After restarts: a moved code's components restart about its new centre — offsets of N(0, std²)
 * per coordinate, the code's scale, equal weights — for the EMA k-means to separate.
 */
export function moveMixtures(mix: CodeMixtures, moves: RestartMove[], gen: Generator, minStd: number): void {
  if (!moves.length) return;
  const [, k, c, d] = mix.means.shape as [number, number, number, number];
  const mu = Float64Array.from(mix.means.toFlatArray()), ls = Float64Array.from(mix.logStds.toFlatArray());
  const lw = Float64Array.from(mix.logWeights.toFlatArray());
  const offsets = tidy(() => randn([moves.length, c, d], { generator: gen, dtype: 'float64' }).toFlatArray());
  moves.forEach((mv, n) => {
    const std = Math.max(mv.std, minStd);
    for (let s = 0; s < c; s++) {
      const at = (mv.latent * k + mv.code) * c + s;
      for (let t = 0; t < d; t++) mu[at * d + t] = mv.centre[t]! + std * offsets[(n * c + s) * d + t]!;
      ls[at] = Math.log(std);
      lw[at] = -Math.log(c);
    }
  });
  write(mix, mu, ls, lw);
}

/** Copies host arrays into the mixture's tensors (no gradient). */
function write(mix: CodeMixtures, mu: Float64Array, ls: Float64Array, lw: Float64Array): void {
  noGrad(() => tidy(() => {
    mix.means.copy_(tensor(mu, { dtype: mix.means.dtype, shape: mix.means.shape }));
    mix.logStds.copy_(tensor(ls, { dtype: mix.logStds.dtype, shape: mix.logStds.shape }));
    mix.logWeights.copy_(tensor(lw, { dtype: mix.logWeights.dtype, shape: mix.logWeights.shape }));
  }));
}

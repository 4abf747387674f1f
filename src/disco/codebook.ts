/**
 * Keeping the codes of an analytic-Gaussian denoiser out of k-means-like local optima (the 2-D
 * model of App. F, whose code j has a learned centre μ_j and scale s_j): a data-dependent
 * initialisation (k-means++ and Lloyd on training points; each scale is its cluster's spread) and
 * code restarts during training:
 *  - a dead code (EMA usage below `deadFraction`/k) is re-seeded at a batch point drawn with
 *    probability ∝ its squared distance to its own code's centre (the k-means++ step);
 *  - otherwise, if splitting the worst-served code in two (2-means) lowers the within-code sum of
 *    squares by more than `ratio` × the Ward cost of merging the closest pair of other codes, the
 *    pair is merged and the freed code takes half of the split (split-and-merge, Ueda et al.).
 * A re-seeded code also takes a copy of the encoder logit of the code that served its new region
 * (the donor), both lowered by ln 2 (`LatentEncoder.splitCode`): a dead code's probability is ~0,
 * so without this the softmax passes it no gradient and the encoder never routes a point to it.
 * From there the straight-through gradient sorts the donor's points between the two centres.
 * All work is on small JS arrays (k ≤ a few dozen).
 */
import { F, noGrad, rand, tensor, tidy, where, type Generator, type Tensor } from '../engine/index.js';

type Point = number[];

const sq = (a: Point, b: Point): number => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);

function nearest(p: Point, centres: Point[]): number {
  let best = 0, bestD = Infinity;
  centres.forEach((c, j) => {
    const d = sq(p, c);
    if (d < bestD) { bestD = d; best = j; }
  });
  return best;
}

function meanOf(points: Point[], d: number): Point {
  const m = new Array<number>(d).fill(0);
  for (const p of points) p.forEach((v, i) => { m[i]! += v / points.length; });
  return m;
}

/** Index drawn with probability ∝ weights (u uniform in [0, 1)). */
function drawIndex(weights: number[], u: number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return Math.min(weights.length - 1, Math.floor(u * weights.length));
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total;
    if (u < acc) return i;
  }
  return weights.length - 1;
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii 2007) then `iters` Lloyd steps: centres [k][d]; the
 * best (lowest within-cluster sum of squares) of `tries` seedings.
 */
export function kmeans(points: Point[], k: number, uniform: () => number, iters = 25, tries = 1): Point[] {
  if (points.length === 0) throw new Error('kmeans: no points');
  const d = points[0]!.length;
  let best: Point[] = [], bestSse = Infinity;
  for (let t = 0; t < tries; t++) {
    const centres: Point[] = [points[drawIndex(points.map(() => 1), uniform())]!];
    while (centres.length < k) {
      centres.push(points[drawIndex(points.map((p) => sq(p, centres[nearest(p, centres)]!)), uniform())]!);
    }
    for (let it = 0; it < iters; it++) {
      members(points, centres).forEach((g, j) => { if (g.length) centres[j] = meanOf(g, d); });
    }
    const sse = points.reduce((s, p) => s + sq(p, centres[nearest(p, centres)]!), 0);
    if (sse < bestSse) { bestSse = sse; best = centres.map((c) => [...c]); }
  }
  return best;
}

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

/** Per-dimension RMS distance of points to a centre: the isotropic std of that cluster. */
export function spread(points: Point[], centre: Point): number {
  if (!points.length) return 0;
  return Math.sqrt(points.reduce((s, p) => s + sq(p, centre), 0) / (points.length * centre.length));
}

/** Each point's nearest centre, grouped: members [k][…]. */
export function members(points: Point[], centres: Point[]): Point[][] {
  const groups: Point[][] = centres.map(() => []);
  for (const p of points) groups[nearest(p, centres)]!.push(p);
  return groups;
}

/** When codes are re-seeded or split and merged (see above). */
export interface RestartOptions {
  /** EMA decay of each code's usage share. */
  decay?: number;
  /** A code is dead below this share × 1/k. */
  deadFraction?: number;
  /** Split-and-merge only when the split gains this many times the merge cost. */
  ratio?: number;
}

/** Usage statistics and the restart rule for the centres [m, k, d] of an analytic denoiser. */
export class CodeRestarts {
  /** EMA usage share per latent and code. */
  usage: number[][];
  private readonly decay: number;
  private readonly deadFraction: number;
  private readonly ratio: number;

  constructor(readonly m: number, readonly k: number, o: RestartOptions = {}) {
    this.decay = o.decay ?? 0.99;
    this.deadFraction = o.deadFraction ?? 0.2;
    this.ratio = o.ratio ?? 4;
    this.usage = Array.from({ length: m }, () => new Array<number>(k).fill(1 / k));
  }

  /** Updates usage from the batch's argmax codes (flat [B·m], row-major). */
  observe(codes: number[]): void {
    const B = codes.length / this.m;
    for (let i = 0; i < this.m; i++) {
      const share = new Array<number>(this.k).fill(0);
      for (let b = 0; b < B; b++) share[codes[b * this.m + i]!]! += 1 / B;
      this.usage[i] = this.usage[i]!.map((u, j) => this.decay * u + (1 - this.decay) * share[j]!);
    }
  }

  /**
   * The moves for this batch: points [B][d], their codes (flat [B·m]) and the current centres
   * [m][k][d]. Per latent: the deadest code is re-seeded, or else at most one split-and-merge.
   */
  plan(points: Point[], codes: number[], centres: Point[][], uniform: () => number): RestartMove[] {
    const d = points[0]?.length ?? 0;
    const moves: RestartMove[] = [];
    for (let i = 0; i < this.m; i++) {
      const c = points.map((_, b) => codes[b * this.m + i]!);
      const mu = centres[i]!;
      const dead = this.usage[i]!.map((u, j) => [u, j] as const).filter(([u]) => u < this.deadFraction / this.k)
        .sort((a, b) => a[0] - b[0]);
      if (dead.length) {
        const j = dead[0]![1];
        const b = drawIndex(points.map((p, b) => sq(p, mu[c[b]!]!)), uniform());
        const at = points[b]!;
        // Its scale: the spread of the donor's points around the new centre's nearer half.
        const donorPoints = points.filter((_, q) => c[q] === c[b]);
        const near = donorPoints.filter((p) => sq(p, at) < sq(p, mu[c[b]!]!));
        const std = spread(near.length >= 2 ? near : donorPoints, near.length >= 2 ? meanOf(near, d) : at);
        moves.push({ latent: i, code: j, centre: [...at], reason: 'dead', std, donor: c[b]! });
        this.usage[i]![j] = 1 / this.k;
        continue;
      }
      const move = this.splitMerge(i, points, c, uniform);
      if (move) moves.push(...move);
    }
    return moves;
  }

  private splitMerge(latent: number, points: Point[], c: number[], uniform: () => number): RestartMove[] | null {
    const d = points[0]!.length;
    const groups: Point[][] = Array.from({ length: this.k }, () => []);
    points.forEach((p, b) => groups[c[b]!]!.push(p));
    const means = groups.map((g) => (g.length ? meanOf(g, d) : null));
    const sse = groups.map((g, j) => g.reduce((s, p) => s + sq(p, means[j] ?? p), 0));
    const w = sse.indexOf(Math.max(...sse));
    if (groups[w]!.length < 4) return null;
    const halves = kmeans(groups[w]!, 2, uniform, 10);
    const [h0, h1] = members(groups[w]!, halves);
    const after = groups[w]!.reduce((s, p) => s + Math.min(sq(p, halves[0]!), sq(p, halves[1]!)), 0);
    const gain = sse[w]! - after;
    let best: [number, number] | null = null, cost = Infinity;
    for (let a = 0; a < this.k; a++) {
      for (let b = a + 1; b < this.k; b++) {
        if (a === w || b === w || !means[a] || !means[b]) continue;
        const na = groups[a]!.length, nb = groups[b]!.length;
        const ward = (na * nb) / (na + nb) * sq(means[a]!, means[b]!);
        if (ward < cost) { cost = ward; best = [a, b]; }
      }
    }
    if (!best || gain <= this.ratio * cost) return null;
    const [a, b] = best;
    const na = groups[a]!.length, nb = groups[b]!.length;
    const merged = means[a]!.map((v, t) => (na * v + nb * means[b]![t]!) / (na + nb));
    this.usage[latent]![a] = this.usage[latent]![a]! + this.usage[latent]![b]!;
    this.usage[latent]![b] = this.usage[latent]![w]! / 2;
    this.usage[latent]![w] = this.usage[latent]![w]! / 2;
    return [
      { latent, code: a, centre: merged, reason: 'merge', std: spread([...groups[a]!, ...groups[b]!], merged) },
      { latent, code: w, centre: halves[0]!, reason: 'split', std: spread(h0!, halves[0]!) },
      { latent, code: b, centre: halves[1]!, reason: 'split', std: spread(h1!, halves[1]!), donor: w },
    ];
  }

  state(): { usage: number[][] } {
    return { usage: this.usage.map((u) => [...u]) };
  }

  restore(s: { usage: number[][] }): void {
    if (s.usage.length !== this.m || s.usage.some((u) => u.length !== this.k)) {
      throw new Error(`code restart state has shape [${s.usage.length}, ${s.usage[0]?.length}], expected [${this.m}, ${this.k}]`);
    }
    this.usage = s.usage.map((u) => [...u]);
  }
}

/**
 * One EMA step of each code's Gaussian towards the batch statistics of the points it holds (the
 * VQ-VAE codebook EMA, here for the mean and the isotropic variance), in place and without
 * gradients: for codes with ≥ 1 of the batch points x [B, d] (codes [B, m] int64),
 * μ ← d·μ + (1 − d)·mean, and with ≥ 2, s² ← d·s² + (1 − d)·var (unbiased, per dimension;
 * s ≥ minStd). means [m, k, d], logStds [m, k] (or null when the model learns no scales). With k
 * codes near a batch's size (images: 100 codes, batch 32) most codes hold one point or none.
 */
export function emaRefit(means: Tensor, logStds: Tensor | null, x: Tensor, codes: Tensor, decay: number, minStd: number): void {
  tidy(() => noGrad(() => {
    const [m, k, d] = means.shape as [number, number, number];
    const B = x.size(0);
    const z = F.oneHot(codes, k).to({ dtype: means.dtype }).permute(1, 2, 0); // (m, k, B)
    const xs = x.to({ dtype: means.dtype }).unsqueeze(0).expand(m, B, d); // (m, B, d)
    const n = z.sum(2, true); // (m, k, 1)
    const mean = z.bmm(xs).div(n.clamp(1)); // (m, k, d)
    const own = z.transpose(1, 2).bmm(mean); // (m, B, d): each point's code mean
    const ss = z.bmm(xs.sub(own).square().sum(-1, true)); // (m, k, 1)
    const v = ss.div(n.sub(1).clamp(1).mul(d));
    const ok = n.ge(2);
    means.copy_(where(n.ge(1), means.mul(decay).add(mean.mul(1 - decay)), means));
    if (logStds) {
      const s2 = logStds.mul(2).exp().unsqueeze(-1).mul(decay).add(v.mul(1 - decay));
      logStds.copy_(where(ok, s2.sqrt().clamp(minStd).log(), logStds.unsqueeze(-1)).squeeze(-1));
    }
  }));
}

/** Uniform numbers from a generator, drawn in blocks of `block` as they are needed. */
export function uniforms(generator: Generator | undefined, block = 256): () => number {
  let buf: number[] = [];
  return () => {
    if (!buf.length) {
      const t = rand([block], { dtype: 'float64', generator });
      buf = t.toFlatArray();
      t.dispose();
    }
    return buf.pop()!;
  };
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

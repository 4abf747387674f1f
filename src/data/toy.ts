/**
 * Seeded 2-D toy datasets. Each returns points x [n, 2] float32 and labels [n] int64 (mixture
 * component, moon, arm or cell). Same generator seed → same data. Points come shuffled, so any
 * prefix is a fair subsample.
 */
import { Generator, arange, multinomial, randint, randn, rand, randperm, stack, tensor, tidy, type Tensor } from '../engine/index.js';

/** Stacks two [n] tensors into points [n, 2]. */
const xy = (a: Tensor, b: Tensor): Tensor => stack([a, b], 1);

/**
 * A toy dataset. Gaussian mixtures also give their centres, their isotropic std (for anisotropic
 * modes the largest axis std), component weights when unequal, and per-mode covariances when
 * anisotropic.
 */
export interface ToyData {
  x: Tensor;        // [n, 2] float32
  labels: Tensor;   // [n] int64
  centers?: number[][];
  std?: number;
  weights?: number[];
  covariances?: number[][][];
}

/** Shared option: `iid` draws each point's component independently (uniform), as fresh test data. */
export interface ToyOptions {
  iid?: boolean;
}

/**
 * Labels 0..k-1: in equal shares (the first n % k components get one more), shuffled; or i.i.d.
 * uniform with `iid` (so two draws differ in their per-component counts, as real samples do).
 */
function componentLabels(n: number, k: number, generator?: Generator, iid = false): Tensor {
  if (iid) return randint(0, k, [n], { generator });
  return tidy(() => arange(n).remainder(k).long().indexSelect(0, randperm(n, { generator })));
}

/**
 * Labels with component weights w (summing to 1): each component's share n·w rounded by largest
 * remainders, shuffled; or i.i.d. draws with `iid`.
 */
function weightedLabels(n: number, w: number[], generator?: Generator, iid = false): Tensor {
  if (iid) return multinomial(tensor(w, { dtype: 'float64' }), n, { replacement: true, generator });
  const counts = w.map((v) => Math.floor(n * v));
  const byRemainder = w.map((v, k) => [n * v - counts[k]!, k] as const).sort((a, b) => b[0] - a[0]);
  const missing = n - counts.reduce((s, c) => s + c, 0);
  for (let i = 0; i < missing; i++) counts[byRemainder[i]![1]]! += 1;
  const labels = counts.flatMap((c, k) => new Array<number>(c).fill(k));
  return tidy(() => tensor(labels, { dtype: 'int64' }).indexSelect(0, randperm(n, { generator })));
}

/**
 * x = centers[labels] + A·ε: isotropic (A = std·I) and exactly balanced by default; with `weights`,
 * unequal components; with `axes`, per-mode matrices A_k (covariance A_k A_kᵀ).
 */
function gaussianMixture(centers: number[][], std: number, n: number, generator?: Generator, iid = false,
  o: { weights?: number[]; axes?: number[][][] } = {}): ToyData {
  const { x, labels } = tidy(() => {
    const labels = o.weights ? weightedLabels(n, o.weights, generator, iid) : componentLabels(n, centers.length, generator, iid);
    const mu = tensor(centers).indexSelect(0, labels);
    const eps = randn([n, 2], { generator });
    const noise = o.axes ? tensor(o.axes).indexSelect(0, labels).matmul(eps.unsqueeze(2)).squeeze(2) : eps.mul(std);
    return { x: mu.add(noise), labels };
  });
  const covariances = o.axes?.map((A) => [0, 1].map((i) => [0, 1].map((j) => A[i]![0]! * A[j]![0]! + A[i]![1]! * A[j]![1]!)));
  return { x, labels, centers, std, ...(o.weights && { weights: o.weights }), ...(covariances && { covariances }) };
}

/** Centres of the paper's 8 Gaussians: a circle of radius r at the axes and diagonals. */
const circle8 = (r: number) => Array.from({ length: 8 }, (_, k) => [r * Math.cos((k * Math.PI) / 4), r * Math.sin((k * Math.PI) / 4)]);

/**
 * The paper's 8 Gaussians (App. F): means on a circle of radius 3 at the axes and diagonals,
 * σ = 0.2. Exactly balanced (n/8 each), not multinomial.
 */
export function eightGaussians(n: number, generator?: Generator, o: ToyOptions & { radius?: number; std?: number } = {}): ToyData {
  return gaussianMixture(circle8(o.radius ?? 3), o.std ?? 0.2, n, generator, o.iid);
}

/** The 8 Gaussians with unequal weights, ∝ 1, 2.3, …, 10 (evenly spaced) around the circle. */
export function weightedGaussians(n: number, generator?: Generator, o: ToyOptions = {}): ToyData {
  const raw = Array.from({ length: 8 }, (_, k) => 1 + (9 * k) / 7), total = raw.reduce((s, v) => s + v, 0);
  return gaussianMixture(circle8(3), 0.2, n, generator, o.iid, { weights: raw.map((v) => v / total) });
}

/**
 * The 8 Gaussians stretched along the radius: std 0.5 radially and 0.1 across, so each mode is a
 * thin bar pointing at the centre (anisotropic modes).
 */
export function elongatedGaussians(n: number, generator?: Generator, o: ToyOptions = {}): ToyData {
  const axes = Array.from({ length: 8 }, (_, k) => {
    const [c, s] = [Math.cos((k * Math.PI) / 4), Math.sin((k * Math.PI) / 4)];
    return [[0.5 * c, -0.1 * s], [0.5 * s, 0.1 * c]]; // R(θ_k)·diag(0.5, 0.1)
  });
  return gaussianMixture(circle8(3), 0.5, n, generator, o.iid, { axes });
}

/** A 5×5 grid of Gaussians, means at {-3, -1.5, 0, 1.5, 3}², σ = 0.15, exactly balanced. */
export function gaussianGrid(n: number, generator?: Generator, o: ToyOptions & { side?: number; spacing?: number; std?: number } = {}): ToyData {
  const side = o.side ?? 5, s = o.spacing ?? 1.5;
  const c = (i: number): number => (i - (side - 1) / 2) * s;
  const centers = Array.from({ length: side * side }, (_, k) => [c(k % side), c(Math.floor(k / side))]);
  return gaussianMixture(centers, o.std ?? 0.15, n, generator, o.iid);
}

/** Two interleaved half circles (as sklearn's make_moons), centred and scaled ×2, noise 0.1·2. */
export function twoMoons(n: number, generator?: Generator, o: ToyOptions & { noise?: number } = {}): ToyData {
  return tidy(() => {
    const labels = componentLabels(n, 2, generator, o.iid);
    const th = rand([n], { generator }).mul(Math.PI);
    const lf = labels.float();
    const sign = lf.mul(-2).add(1);   // +1 upper moon, -1 lower moon
    const px = th.cos().mul(sign).add(lf);               // upper: cos θ;  lower: 1 - cos θ
    const py = th.sin().mul(sign).add(lf.mul(0.5));      // upper: sin θ;  lower: 0.5 - sin θ
    const x = xy(px.sub(0.5), py.sub(0.25)).add(randn([n, 2], { generator }).mul(o.noise ?? 0.1)).mul(2);
    return { x, labels };
  });
}

/** A 4×4 checkerboard on [-4, 4]², uniform on the 8 dark cells; label = dark cell index. */
export function checkerboard(n: number, generator?: Generator, o: ToyOptions = {}): ToyData {
  return tidy(() => {
    const labels = componentLabels(n, 8, generator, o.iid);
    const col = labels.remainder(4).float(), row = labels.div(4).floor().mul(2).add(col.remainder(2));  // row parity = col parity
    const u = rand([n, 2], { generator });
    const x = xy(col.add(u.select(1, 0)), row.add(u.select(1, 1))).mul(2).sub(4);
    return { x, labels };
  });
}

/** Two interleaved spiral arms (as in FFJORD), scaled to about [-4, 4]²; label = arm. */
export function spirals(n: number, generator?: Generator, o: ToyOptions & { noise?: number } = {}): ToyData {
  return tidy(() => {
    const labels = componentLabels(n, 2, generator, o.iid);
    const r = rand([n], { generator }).sqrt().mul(3 * Math.PI);    // angle = radius, up to 1.5 turns
    const sign = labels.float().mul(-2).add(1);
    const arm = xy(r.cos().mul(r).neg(), r.sin().mul(r)).mul(sign.unsqueeze(1));
    const x = arm.add(randn([n, 2], { generator }).mul(o.noise ?? 0.3)).div(2.5);
    return { x, labels };
  });
}

/** A toy generator: `n` points from a seeded stream. */
export type ToyGenerator = (n: number, generator?: Generator, o?: ToyOptions) => ToyData;

/** The toy datasets by name. */
export const TOY_DATASETS = {
  '8gaussians': eightGaussians,
  weighted: weightedGaussians,
  elongated: elongatedGaussians,
  grid: gaussianGrid,
  moons: twoMoons,
  checkerboard,
  spirals,
} satisfies Record<string, ToyGenerator>;

/** The names `makeToy` knows. */
export type ToyName = keyof typeof TOY_DATASETS;

/** `n` points of the named toy dataset. */
export function makeToy(name: string, n: number, generator?: Generator, o: ToyOptions = {}): ToyData {
  const make = (TOY_DATASETS as Record<string, ToyGenerator>)[name];
  if (!make) throw new Error(`makeToy: unknown dataset '${name}' (known: ${Object.keys(TOY_DATASETS).join(', ')})`);
  return make(n, generator, o);
}

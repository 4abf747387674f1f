/**
 * Seeded 2-D toy datasets. Each returns points x [n, 2] float32 and labels [n] int64 (mixture
 * component, moon, arm or cell). Same generator seed → same data. Points come shuffled, so any
 * prefix is a fair subsample.
 */
import { Generator, arange, randint, randn, rand, randperm, stack, tensor, tidy, type Tensor } from '../engine/index.js';

/** Stacks two [n] tensors into points [n, 2]. */
const xy = (a: Tensor, b: Tensor): Tensor => stack([a, b], 1);

/** A toy dataset. `centers`/`std` are set for Gaussian mixtures (equal component weights). */
export interface ToyData {
  x: Tensor;        // [n, 2] float32
  labels: Tensor;   // [n] int64
  centers?: number[][];
  std?: number;
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

/** x = centers[labels] + std·ε for an exactly balanced mixture of isotropic Gaussians. */
function gaussianMixture(centers: number[][], std: number, n: number, generator?: Generator, iid = false): ToyData {
  const { x, labels } = tidy(() => {
    const labels = componentLabels(n, centers.length, generator, iid);
    const mu = tensor(centers).indexSelect(0, labels);
    return { x: mu.add(randn([n, 2], { generator }).mul(std)), labels };
  });
  return { x, labels, centers, std };
}

/**
 * The paper's 8 Gaussians (App. F): means on a circle of radius 3 at the axes and diagonals,
 * σ = 0.2. Exactly balanced (n/8 each), not multinomial.
 */
export function eightGaussians(n: number, generator?: Generator, o: ToyOptions & { radius?: number; std?: number } = {}): ToyData {
  const r = o.radius ?? 3;
  const centers = Array.from({ length: 8 }, (_, k) => [r * Math.cos((k * Math.PI) / 4), r * Math.sin((k * Math.PI) / 4)]);
  return gaussianMixture(centers, o.std ?? 0.2, n, generator, o.iid);
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

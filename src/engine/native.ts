/**
 * Loads the C++ binding (native/*.cc, built by node-gyp) and types its raw surface.
 * Tensor ids are plain numbers owned by the binding's handle table; only `Tensor` uses them.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A tensor handle in the binding's table. */
export type Id = number;
/** An optional tensor handle. */
export type OptId = Id | null;

/** The binding's functions, one per native entry point. */
export interface NativeBinding {
  fromBuffer(data: ArrayBufferView, shape: number[], dtype: string, device: string): Id;
  full(shape: number[], value: number, dtype: string, device: string): Id;
  arange(start: number, end: number, step: number, dtype: string, device: string): Id;
  linspace(start: number, end: number, steps: number, dtype: string, device: string): Id;
  eye(n: number, dtype: string, device: string): Id;
  shape(a: Id): number[];
  dtype(a: Id): string;
  device(a: Id): string;
  numel(a: Id): number;
  toBuffer(a: Id): ArrayBuffer;
  item(a: Id): number;
  to(a: Id, device: string | null, dtype: string | null): Id;
  clone(a: Id): Id;
  contiguous(a: Id): Id;
  detach(a: Id): Id;
  dispose(a: Id): void;
  disposeMany(ids: Id[]): void;
  liveTensors(): number;
  unary(op: string, a: Id): Id;
  binary(op: string, a: Id, b: Id): Id;
  binaryScalar(op: string, a: Id, s: number): Id;
  clamp(a: Id, min: number | null, max: number | null): Id;
  where(cond: Id, a: Id, b: Id): Id;
  maskedFill(a: Id, mask: Id, value: number): Id;
  inplace(op: string, a: Id, ...args: (Id | number | null)[]): void;
  adamStep(params: Id[], expAvg: Id[], expAvgSq: Id[], lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, decoupled: boolean, step: number): void;
  /** DisCo-Diff's fused CPU kernels (native/disco_ops.cc); callers pass CPU float32/float64 tensors. */
  gumbelSoftmax(logits: Id, uniform: OptId, tau: number, noise: number, hard: boolean): Id;
  codeSkip(x: Id, sigma: Id, cSkip: Id, z: Id, drop: OptId, means: Id, logStds: Id): Id;
  mixtureSkip(x: Id, sigma: Id, cSkip: Id, z: Id, drop: OptId, means: Id, logStds: Id, logWeights: Id): Id;
  covarianceSkip(x: Id, sigma: Id, cSkip: Id, z: Id, drop: OptId, means: Id, cov: Id): Id;
  fullMixtureSkip(x: Id, sigma: Id, cSkip: Id, z: Id, drop: OptId, means: Id, cov: Id, logWeights: Id): Id;
  emaRefit(means: Id, logStds: OptId, x: Id, codes: Id, decay: number, minStd: number): void;
  refitMixtures(means: Id, logStds: Id, logWeights: Id, x: Id, codes: Id, decay: number, minStd: number): void;
  refitCovariances(cov: Id, x: Id, codes: Id, decay: number): void;
  refitFullMixtures(means: Id, cov: Id, logWeights: Id, x: Id, codes: Id, decay: number, minStd: number): void;
  reduce(op: string, a: Id, dims: number[], keepdim: boolean): Id;
  var(a: Id, dims: number[], correction: number, keepdim: boolean): Id;
  norm(a: Id, ord: number, dims: number[], keepdim: boolean): Id;
  maxDim(op: 'max' | 'min', a: Id, dim: number, keepdim: boolean): [Id, Id];
  argmax(op: 'argmax' | 'argmin', a: Id, dim: number, keepdim: boolean): Id;
  cumsum(a: Id, dim: number): Id;
  sort(a: Id, dim: number, descending: boolean): [Id, Id];
  topk(a: Id, k: number, dim: number, largest: boolean): [Id, Id];
  matmul(a: Id, b: Id): Id;
  bmm(a: Id, b: Id): Id;
  eigh(a: Id): [Id, Id];
  linear(x: Id, w: Id, b: OptId): Id;
  reshape(a: Id, shape: number[]): Id;
  view(a: Id, shape: number[]): Id;
  permute(a: Id, dims: number[]): Id;
  transpose(a: Id, d0: number, d1: number): Id;
  expand(a: Id, shape: number[]): Id;
  squeeze(a: Id, dim?: number): Id;
  unsqueeze(a: Id, dim: number): Id;
  flatten(a: Id, start: number, end: number): Id;
  repeat(a: Id, reps: number[]): Id;
  flip(a: Id, dims: number[]): Id;
  cat(ids: Id[], dim: number): Id;
  stack(ids: Id[], dim: number): Id;
  split(a: Id, sizes: number[], dim: number): Id[];
  chunk(a: Id, n: number, dim: number): Id[];
  slice(a: Id, dim: number, start: number, end: number, step: number): Id;
  select(a: Id, dim: number, index: number): Id;
  indexSelect(a: Id, dim: number, index: Id): Id;
  gather(a: Id, dim: number, index: Id): Id;
  indexAdd(a: Id, dim: number, index: Id, source: Id): Id;
  maskedSelect(a: Id, mask: Id): Id;
  tri(op: 'tril' | 'triu', a: Id, diagonal: number): Id;
  pad(a: Id, pads: number[], value: number): Id;
  oneHot(a: Id, k: number): Id;
  softmax(op: 'softmax' | 'log_softmax', a: Id, dim: number): Id;
  conv2d(x: Id, w: Id, b: OptId, stride: number[], padding: number[], dilation: number[], groups: number): Id;
  convTranspose2d(x: Id, w: Id, b: OptId, stride: number[], padding: number[], outputPadding: number[],
    groups: number, dilation: number[]): Id;
  pool2d(kind: 'avg' | 'max', x: Id, kernel: number[], stride: number[], padding: number[]): Id;
  resize2d(mode: 'nearest' | 'bilinear', x: Id, size: number[], alignCorners: boolean): Id;
  groupNorm(x: Id, groups: number, w: OptId, b: OptId, eps: number): Id;
  layerNorm(x: Id, shape: number[], w: OptId, b: OptId, eps: number): Id;
  embedding(w: Id, idx: Id): Id;
  mseLoss(a: Id, b: Id, reduction: string): Id;
  crossEntropy(logits: Id, target: Id, reduction: string, labelSmoothing: number): Id;
  newGenerator(seed: number): number;
  disposeGenerator(g: number): void;
  generatorState(g: number | null): Uint8Array;
  setGeneratorState(g: number | null, state: Uint8Array): void;
  manualSeed(seed: number): void;
  rand(kind: 'uniform' | 'normal', shape: number[], dtype: string, device: string, gen: number | null): Id;
  randint(low: number, high: number, shape: number[], device: string, gen: number | null): Id;
  randperm(n: number, device: string, gen: number | null): Id;
  bernoulli(p: Id, gen: number | null): Id;
  multinomial(p: Id, n: number, replacement: boolean, gen: number | null): Id;
  setRequiresGrad(a: Id, flag: boolean): void;
  requiresGrad(a: Id): boolean;
  setData(a: Id, src: Id): void;
  isLeaf(a: Id): boolean;
  backward(a: Id, grad: OptId, retainGraph: boolean, createGraph: boolean): void;
  gradOf(a: Id): OptId;
  setGrad(a: Id, grad: OptId): void;
  grad(outputs: Id[], inputs: Id[], gradOutputs: Id[] | null, createGraph: boolean, allowUnused: boolean): OptId[];
  gradEnabled(): boolean;
  setGradEnabled(flag: boolean): void;
  setNumThreads(n: number): void;
  numThreads(): number;
  cudaAvailable(): boolean;
  cudaDeviceCount(): number;
  /** The CUDA caching allocator's bytes in use and reserved on `device`, and their peaks since cudaResetPeak; null without CUDA. */
  cudaMemory(device: number): { allocated: number; peakAllocated: number; reserved: number; peakReserved: number } | null;
  cudaResetPeak(device: number): void;
  cudaEmptyCache(): void;
  synchronize(): void;
  buildInfo(): { torchVersion: string; config: string; parallel: string; blas: string; cuda: boolean };
  allocatorStats(): { enabled: boolean; cachedBytes: number; cachedBlocks: number; hits: number; misses: number; evictions: number;
    liveBytes: number; peakBytes: number; capBytes: number | null };
  emptyCache(): void;
  storeOpen(host: string, port: number, isServer: boolean, timeoutMs: number): number;
  storeOpenFile(path: string, timeoutMs: number): number;
  storePort(store: number): number;
  storeClose(store: number): void;
  storeSet(store: number, key: string, value: string): void;
  storeGet(store: number, key: string): string;
  storeCheck(store: number, key: string): boolean;
  groupInit(backend: string, store: number, rank: number, size: number, timeoutMs: number, host: string): void;
  distBackends(): string[];
  broadcast(a: Id, root: number): number;
  allreduce(a: Id): number;
  allgather(a: Id): number;
  barrier(): number;
  workWait(work: number, timeoutMs: number): boolean;
  workResult(work: number): Id;
  workRelease(work: number): void;
  heartbeatStart(store: number, key: string, intervalMs: number): void;
  heartbeatProgress(n: number): void;
  dieWithParent(ppid: number): void;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const addonPath = join(root, 'build', 'Release', 'disco_native.node');

function load(): NativeBinding {
  if (!existsSync(addonPath)) {
    throw new Error(
      `disco-diff: the native addon is not built (${addonPath} is missing). ` +
        'Build it with `bash scripts/setup.sh` in a checkout (installs libtorch-dev and runs node-gyp), ' +
        'or `npm rebuild disco-diff` where the package is installed (set LIBTORCH=/path to use another libtorch).',
    );
  }
  try {
    return createRequire(import.meta.url)(addonPath) as NativeBinding;
  } catch (e) {
    throw new Error(`disco-diff: the native addon at ${addonPath} failed to load: ${(e as Error).message}. ` +
      'Rebuild it with `bash scripts/setup.sh`.');
  }
}

/**
 * How long an idle OpenMP worker of libtorch (libgomp) spins before it sleeps, read once when the
 * addon loads: GOMP_SPINCOUNT iterations. libgomp's default, 300,000, keeps a waiting worker on its
 * core for about a millisecond after every parallel op; when other work shares the cores, each next
 * op then waits for that thread's time slice (bench/engine's W1 at 2 threads with one core kept busy:
 * 32 ms per step, 16 ms with 10,000; on an idle machine both take 5.3 ms). OMP_WAIT_POLICY or
 * GOMP_SPINCOUNT set by the user win.
 */
const SPIN_COUNT = '10000';
if (process.env.OMP_WAIT_POLICY === undefined && process.env.GOMP_SPINCOUNT === undefined) process.env.GOMP_SPINCOUNT = SPIN_COUNT;

/** The raw binding. Model code never calls it directly; `Tensor` does. */
export const N: NativeBinding = load();

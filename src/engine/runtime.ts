/** Process-wide engine settings: threads, devices, build facts. */
import { N } from './native.js';

/** Intra-op threads for libtorch and OpenBLAS. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: n must be a positive integer, got ${n}`);
  N.setNumThreads(n);
}
export function numThreads(): number { return N.numThreads(); }
/** Whether this build of the addon has CUDA and a GPU is visible. */
export function cudaAvailable(): boolean { return N.cudaAvailable(); }
/** Waits for queued GPU work (no-op on CPU); call before timing. */
export function synchronize(): void { N.synchronize(); }
/** libtorch version, its build configuration and the BLAS in use. */
export function buildInfo(): ReturnType<typeof N.buildInfo> { return N.buildInfo(); }

/**
 * The CPU block cache (native/runtime.cc): large tensor buffers are kept by size and reused, so
 * a training loop does not fault fresh pages in every step. `capBytes` is 0 when it is off
 * (DISCO_MALLOC=default or DISCO_CPU_CACHE_MB=0).
 */
export function allocatorStats(): ReturnType<typeof N.allocatorStats> { return N.allocatorStats(); }
/** Returns every cached block to the system allocator (e.g. after a large evaluation). */
export function emptyCache(): void { N.emptyCache(); }

/**
 * Default thread count: DISCO_THREADS, else the measured best for this machine (bench/engine.ts,
 * bench/results/engine.json). On the shared 2-core box, 2 threads were slower on every workload
 * (W1 MLP 10×, W2 conv 1.5×, W3 attention 2× wall; more CPU per step too): OpenMP and OpenBLAS
 * workers spin at barriers while other processes hold the cores. Set DISCO_THREADS on a quiet
 * many-core machine.
 */
export const DEFAULT_THREADS = 1;
const fromEnv = Number(process.env.DISCO_THREADS);
setNumThreads(Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_THREADS);

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

/** Default thread count: DISCO_THREADS, else measured best for this machine (see bench/engine). */
export const DEFAULT_THREADS = 2;
const fromEnv = Number(process.env.DISCO_THREADS);
setNumThreads(Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_THREADS);

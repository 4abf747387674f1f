/** Process-wide engine settings: threads, devices, build facts. */
import { N } from './native.js';
import { usableCores } from './cores.js';

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
 * The CPU block cache (native/allocator.cc): large tensor buffers are kept by size and reused, so a
 * training loop does not fault fresh pages in every step; it holds only what the workload reuses
 * (cached plus live large blocks within 1/8 above their recent peak). `enabled` is false with
 * DISCO_MALLOC=default or DISCO_CPU_CACHE_MB=0; `capBytes` is DISCO_CPU_CACHE_MB, or null (no cap).
 */
export function allocatorStats(): ReturnType<typeof N.allocatorStats> { return N.allocatorStats(); }
/** Returns every cached block to the system allocator (e.g. after a large evaluation). */
export function emptyCache(): void { N.emptyCache(); }

/**
 * Default intra-op thread count: the cores this process may use (src/engine/cores.ts: affinity and
 * cgroup quota). DISCO_THREADS overrides it; `disco-diff train --nproc N` gives each worker its share.
 */
export const DEFAULT_THREADS = usableCores();

/** DISCO_THREADS when it is set, else DEFAULT_THREADS; a bad value is an error naming it. */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.DISCO_THREADS;
  if (v === undefined || v === '') return DEFAULT_THREADS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`DISCO_THREADS must be a positive integer, got '${v}'`);
  return n;
}
setNumThreads(threadsFromEnv());

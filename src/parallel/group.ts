/**
 * The process group of a data-parallel worker: libtorch's c10d through the addon, Gloo on CPU and
 * NCCL in CUDA builds, joined through the job's store (a file on one machine, node 0's TCPStore
 * across machines). Collectives are sent as work handles and awaited
 * in slices, so a peer that failed, died or froze ends the wait with an error naming its rank
 * (src/parallel/failures.ts) instead of a hang.
 */
import { hostname } from 'node:os';
import { N } from '../engine/native.js';
import { Tensor, noGrad, tensor, tidy } from '../engine/index.js';
import type { DistEnv } from './env.js';
import { Store } from './store.js';
import { FailureWatch, PeerFailure, keys } from './failures.js';

/** c10d backends: Gloo runs on CPU tensors, NCCL on CUDA tensors. */
export type Backend = 'gloo' | 'nccl';

/** How often each worker's heartbeat ticks, and how long one may stay unchanged before its process counts as gone. */
const HEARTBEAT_MS = 1000;
const STALE_MS = 30_000;
/** How long a failing collective waits for the failed peer's record. */
const GRACE_MS = 3000;
/** How long one wait slice blocks before the watch looks at the peers. */
const SLICE_MS = 1000;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** DISCO_BACKEND when set; else NCCL where the addon has it and a GPU is visible, else Gloo. */
export function defaultBackend(env: NodeJS.ProcessEnv = process.env): Backend {
  const b = env.DISCO_BACKEND;
  if (b === 'gloo' || b === 'nccl') return b;
  if (b) throw new Error(`DISCO_BACKEND must be gloo or nccl, got '${b}'`);
  return N.distBackends().includes('nccl') && N.cudaAvailable() ? 'nccl' : 'gloo';
}

/**
 * Throws, before any collective, when a rank was started with another command than rank 0 (another
 * config, another subcommand): that rank fails with the difference, the others stop naming it.
 */
function sameCommand(store: Store, watch: FailureWatch, env: DistEnv): void {
  const first = JSON.parse(store.get('command/0')) as string[];
  for (let r = 1; r < env.worldSize; r++) {
    const other = JSON.parse(store.get(`command/${r}`)) as string[];
    const i = first.findIndex((a, j) => a !== other[j]);
    if (i < 0 && other.length === first.length) continue;
    const at = i < 0 ? first.length : i;
    const what = `was started with another command than rank 0 (argument ${at + 1}: '${other[at] ?? '(none)'}' ` +
      `where rank 0 has '${first[at] ?? '(none)'}'); start every rank with the same command`;
    if (r !== env.rank) throw watch.stop('the rendezvous', [`rank ${r} ${what}`]);
    store.set(keys.error(r), `it ${what}`);
    throw new Error(`rank ${r} ${what}`);
  }
}

export class ProcessGroup {
  private entered = 0;

  private constructor(readonly env: DistEnv, readonly backend: Backend, private readonly store: Store,
    private readonly watch: FailureWatch) {}

  get rank(): number { return this.env.rank; }
  get size(): number { return this.env.worldSize; }

  /**
   * Joins the group `env` describes: connects to the store (rank 0 hosts it unless the launcher
   * does), starts this worker's heartbeat, waits until every rank has checked in with its
   * `command` (failing early, naming the rank, when one fails first or was started with another
   * command), then forms the backend's group.
   */
  static async join(env: DistEnv, backend: Backend = 'gloo', command: readonly string[] = []): Promise<ProcessGroup> {
    if (!N.distBackends().includes(backend)) {
      throw new Error(`this build of the addon has no ${backend} backend (it has: ${N.distBackends().join(', ') || 'none'})` +
        (backend === 'nccl' ? '; NCCL needs the addon built against a CUDA libtorch: LIBTORCH=/path bash scripts/setup.sh' : ''));
    }
    if (env.launcherPid !== null) N.dieWithParent(env.launcherPid);
    const store = env.storeFile ? Store.file(env.storeFile, env.timeoutMs)
      : Store.tcp(env.masterAddr, env.masterPort, !env.launcherStore && env.rank === 0, env.timeoutMs);
    const watch = new FailureWatch(store, env.rank, env.worldSize, { staleMs: Math.min(STALE_MS, env.timeoutMs), graceMs: GRACE_MS,
      storeOwner: env.launcherStore ? 'the launcher' : 'rank 0' });
    N.heartbeatStart(store.id, keys.heartbeat(env.rank), HEARTBEAT_MS);
    store.set(`command/${env.rank}`, JSON.stringify(command));
    store.set(`ready/${env.rank}`, `${hostname()}:${process.pid}`);
    const deadline = performance.now() + env.timeoutMs;
    for (;;) {
      watch.check('the rendezvous');
      const missing = Array.from({ length: env.worldSize }, (_, r) => r).filter((r) => !store.has(`ready/${r}`));
      if (!missing.length) break;
      if (performance.now() > deadline) {
        throw new Error(`rank${missing.length > 1 ? 's' : ''} ${missing.join(', ')} did not join ${store.where} ` +
          `within ${env.timeoutMs / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    sameCommand(store, watch, env);
    N.groupInit(backend, store.id, env.rank, env.worldSize, env.timeoutMs, env.storeFile || LOOPBACK.has(env.masterAddr) ? '127.0.0.1' : '');
    return new ProcessGroup(env, backend, store, watch);
  }

  /** Sums each of `ts` over the group, in place. All are sent before the first is awaited, so they overlap. */
  allreduceSum_(ts: Tensor[], what: string): void {
    this.inPlace(ts, (ops) => this.await(ops.map((t) => this.send(() => N.allreduce(t.id))), what));
  }

  /** Copies rank `root`'s `t` into every rank's `t`. */
  broadcast_(t: Tensor, what: string, root = 0): void {
    this.inPlace([t], ([op]) => this.await([this.send(() => N.broadcast(op!.id, root))], what));
  }

  /** Copies rank `root`'s tensors `ts` (e.g. weights, even those that require grad) into every rank's, in place. */
  broadcastAll_(ts: Tensor[], what: string, root = 0): void {
    noGrad(() => ts.forEach((t) => this.broadcast_(t, what, root)));
  }

  /** Every rank's `t` (same shape everywhere), stacked in rank order: [size, …]. */
  allgather(t: Tensor, what: string): Tensor {
    return tidy(() => {
      const w = this.send(() => N.allgather(this.operand(t).id));
      try {
        this.await([w], what, false);
        return new Tensor(N.workResult(w)).to({ device: t.device });
      } finally {
        N.workRelease(w);
      }
    });
  }

  /** NCCL moves CUDA tensors only: a CPU operand travels through this rank's GPU. */
  private operand(t: Tensor): Tensor {
    return this.backend === 'nccl' && t.device === 'cpu' ? t.to({ device: `cuda:${this.env.localRank}` }) : t;
  }

  /** Runs an in-place collective on the operands of `ts` and copies results back where they were staged. */
  private inPlace(ts: Tensor[], run: (ops: Tensor[]) => void): void {
    tidy(() => {
      const ops = ts.map((t) => this.operand(t));
      run(ops);
      ts.forEach((t, i) => { if (ops[i] !== t) t.copy_(ops[i]!); });
    });
  }

  /** Waits until every rank gets here. */
  barrier(what: string): void {
    this.await([this.send(() => N.barrier())], what);
  }

  /** Rank `root`'s `value` (any JSON) on every rank; the others pass null. */
  shareJson<T>(value: T | null, what: string, root = 0): T {
    const bytes = this.rank === root ? new TextEncoder().encode(JSON.stringify(value)) : new Uint8Array(0);
    return tidy(() => {
      const n = tensor([bytes.length], { dtype: 'int64' });
      this.broadcast_(n, what, root);
      const buf = this.rank === root ? tensor(bytes, { dtype: 'uint8' }) : tensor(new Uint8Array(n.item()), { dtype: 'uint8' });
      this.broadcast_(buf, what, root);
      return JSON.parse(new TextDecoder().decode(new Uint8Array(buf.toFlatArray()))) as T;
    });
  }

  /**
   * The error this rank ends with: a peer's failure as it is; its own failure recorded first, so
   * that the peers name this rank and its message.
   */
  failed(e: unknown): Error {
    if (e instanceof PeerFailure) return e;
    const message = (e as Error)?.message ?? String(e);
    try {
      this.store.set(keys.error(this.rank), message.split('\n')[0]!);
    } catch {
      // The store is gone too; the peers name its owner.
    }
    return new Error(`rank ${this.rank}: ${message}`);
  }

  private send(start: () => number): number {
    this.entered += 1;
    N.heartbeatProgress(this.entered);
    return start();
  }

  /** Awaits `works` in slices, watching the peers between slices; releases them unless `release` is false. */
  private await(works: number[], what: string, release = true): void {
    const deadline = performance.now() + this.env.timeoutMs + GRACE_MS;
    try {
      for (const w of works) {
        for (;;) {
          let done: boolean;
          try {
            done = N.workWait(w, SLICE_MS);
          } catch (e) {
            throw this.watch.explain(what, e, this.entered);
          }
          if (done) break;
          this.watch.check(what);
          if (performance.now() > deadline) throw this.watch.explain(what, new Error(`timed out after ${this.env.timeoutMs / 1000} s`), this.entered);
        }
      }
    } finally {
      if (release) for (const w of works) N.workRelease(w);
    }
  }
}

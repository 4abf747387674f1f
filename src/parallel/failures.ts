/**
 * Naming the rank that brought a data-parallel job down. Every worker keeps `hb/<rank>` =
 * "<beats> <collectives entered>" fresh from a native thread (native/parallel.cc); a worker that fails
 * on its own writes `error/<rank>`, one that stops because a peer failed writes `lost/<rank>` (the
 * cause it names), and the launcher writes `exit/<rank>` for a worker that ended without either (a
 * signal, a crash). A survivor reads these: a record names the rank; a heartbeat that stopped names
 * a dead or frozen process, which it records as `stale/<rank>` (so that the launcher can kill a
 * frozen one at once and say what it was); a count of collectives behind its own names a rank whose
 * main thread is stuck.
 */
import type { Store } from './store.js';

/** A collective cannot complete because a peer failed; the message names the rank(s). */
export class PeerFailure extends Error {}

/** Blocks the thread for `ms` (the worker is stopping anyway; nothing else may run meanwhile). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Store keys of the failure records (see the file's doc). */
export const keys = {
  heartbeat: (r: number) => `hb/${r}`,
  error: (r: number) => `error/${r}`,
  lost: (r: number) => `lost/${r}`,
  exit: (r: number) => `exit/${r}`,
  stale: (r: number) => `stale/${r}`,
};

interface Beat { beats: string; progress: number; since: number }

export class FailureWatch {
  private readonly seen = new Map<number, Beat>();

  /**
   * `staleMs`: a heartbeat unchanged this long means its process is dead or stopped; `graceMs`: how
   * long `explain` waits for a failure record; `storeOwner`: who hosts the store ("the launcher",
   * "rank 0"), named when it is gone.
   */
  constructor(private readonly store: Store, readonly rank: number, readonly size: number,
    private readonly o: { staleMs: number; graceMs: number; storeOwner: string }) {}

  /** While a collective is pending: throws a PeerFailure once a peer has failed, died or stopped. */
  check(what: string): void {
    const found = this.survey(() => [...this.records(), ...this.stopped()]);
    if (found.length) throw this.stop(what, found);
  }

  /** After collective `what` failed with `cause`: a PeerFailure naming who failed, if it can be told. */
  explain(what: string, cause: unknown, progress: number): PeerFailure {
    const start = this.survey(() => { this.peers().forEach((r) => this.beat(r)); return []; });
    const deadline = performance.now() + this.o.graceMs;
    for (;;) {
      const found = this.survey(() => [...this.records(), ...this.stopped()]);
      if (found.length) return this.stop(what, found);
      if (performance.now() >= deadline) break;
      sleepSync(100);
    }
    // The grace spans several heartbeats: a peer whose beat did not move since the failure is gone.
    const since = performance.now() - this.o.graceMs;
    const found = this.survey(() => [...start, ...this.stopped(since), ...this.behind(progress)]);
    const why = (cause as Error)?.message ?? String(cause);
    return this.stop(what, found.length ? found : [`a peer failed (${why.split('\n')[0]})`]);
  }

  /** The failure this rank stops with in `what` because of `causes`, recorded as `lost/<rank>` so that it is not blamed. */
  stop(what: string, causes: string[]): PeerFailure {
    const cause = causes.join('; ');
    this.survey(() => { this.store.set(keys.lost(this.rank), cause); return []; });
    return new PeerFailure(`${cause} — rank ${this.rank} stopped in ${what}`);
  }

  /** Runs a survey of the store; a store that is gone is itself the answer. */
  private survey(fn: () => string[]): string[] {
    try {
      return fn();
    } catch (e) {
      return [`${this.o.storeOwner}, which hosts the rendezvous store, is gone (${(e as Error).message.split('\n')[0]})`];
    }
  }

  private peers(): number[] {
    return Array.from({ length: this.size }, (_, r) => r).filter((r) => r !== this.rank);
  }

  private records(): string[] {
    const out: string[] = [];
    for (const r of this.peers()) {
      const error = this.store.peek(keys.error(r));
      if (error !== null) out.push(`rank ${r} failed: ${error}`);
      const exit = this.store.peek(keys.exit(r));
      if (exit !== null) out.push(`rank ${r} ${exit}`);
    }
    return out;
  }

  private beat(r: number): Beat | null {
    const v = this.store.peek(keys.heartbeat(r));
    if (v === null) return null;
    const [beats, progress] = v.split(' ');
    const prev = this.seen.get(r);
    const now = performance.now();
    const b = prev && prev.beats === beats ? prev : { beats: beats!, progress: Number(progress), since: now };
    this.seen.set(r, b);
    return b;
  }

  /** Peers whose heartbeat has not moved since `before` (default: for staleMs), each recorded as `stale/<rank>`. */
  private stopped(before = performance.now() - this.o.staleMs): string[] {
    const now = performance.now();
    return this.peers().flatMap((r) => {
      const b = this.beat(r);
      if (!b || b.since > before) return [];
      const s = ((now - b.since) / 1000).toFixed(0);
      if (!this.store.has(keys.stale(r))) this.store.set(keys.stale(r), `stopped sending heartbeats for ${s} s`);
      return [`rank ${r} stopped responding (no heartbeat for ${s} s: dead or frozen)`];
    });
  }

  /** Live peers whose main thread entered fewer collectives than this rank's `progress`. */
  private behind(progress: number, before = performance.now() - this.o.graceMs): string[] {
    return this.peers().flatMap((r) => {
      const b = this.beat(r);
      return b && b.since > before && b.progress < progress ? [`rank ${r} is stuck before collective #${b.progress + 1} (this rank is at #${progress})`] : [];
    });
  }
}

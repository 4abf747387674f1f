/**
 * The launcher behind `disco-diff train --nproc N`: starts N workers on this machine, one rank each
 * with its share of the cores, and passes them the rendezvous in torchrun's variables. On node 0 it
 * hosts the TCPStore, so the store outlives any worker. It ends the job when one worker fails: it
 * records how a worker that died without a word ended (`exit/<rank>`, src/parallel/failures.ts), gives
 * the others a grace period to stop with their own error naming that rank, then kills what is left.
 * Ctrl-C or SIGTERM stops every worker; the workers die with the launcher (PR_SET_PDEATHSIG).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { usableCores } from '../engine/cores.js';
import { DEFAULT_TIMEOUT_S } from './env.js';
import { Store } from './store.js';
import { keys } from './failures.js';

export interface LaunchOptions {
  /** Workers on this machine. */
  nproc: number;
  nnodes: number;
  /** This machine's index among the nodes (node 0 hosts the store and rank 0). */
  nodeRank: number;
  masterAddr: string;
  /** The store's port on node 0 (0 there: any free port, for single-node jobs). */
  masterPort: number;
  /** The worker command: a script and its arguments, run with this Node and its flags. */
  command: string[];
  /** Collective timeout in seconds (DISCO_DIST_TIMEOUT). */
  timeoutS?: number;
  quiet?: boolean;
}

/** How long the other workers may take to stop on their own after one failed. */
const GRACE_MS = 15_000;

interface Worker { rank: number; child: ChildProcess; ended: string | null; failed: boolean; forced: boolean }

/** Runs the job; resolves when every worker succeeded, else throws an error naming the failed ranks. */
export async function launch(o: LaunchOptions): Promise<void> {
  for (const [name, v, min] of [['--nproc', o.nproc, 1], ['--nnodes', o.nnodes, 1], ['--node-rank', o.nodeRank, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${v}`);
  }
  if (o.nodeRank >= o.nnodes) throw new Error(`--node-rank must be below --nnodes (${o.nnodes}), got ${o.nodeRank}`);
  if (o.nodeRank > 0 && o.masterPort === 0) throw new Error('--master-port must name node 0\'s port on the other nodes');
  const timeoutS = o.timeoutS ?? DEFAULT_TIMEOUT_S;
  const store = new Store(o.masterAddr, o.masterPort, o.nodeRank === 0, timeoutS * 1000);
  const worldSize = o.nnodes * o.nproc;
  const threads = process.env.DISCO_THREADS || String(Math.max(1, Math.floor(usableCores() / o.nproc)));
  if (!o.quiet) {
    const first = o.nodeRank * o.nproc;
    process.stderr.write(`launching ${o.nproc} worker${o.nproc > 1 ? 's' : ''} (rank${o.nproc > 1 ? `s ${first}–${first + o.nproc - 1}` : ` ${first}`} ` +
      `of ${worldSize}), ${threads} thread${threads === '1' ? '' : 's'} each; store ${o.masterAddr}:${store.port}\n`);
  }
  const workers: Worker[] = Array.from({ length: o.nproc }, (_, local) => {
    const rank = o.nodeRank * o.nproc + local;
    const env = {
      ...process.env, MASTER_ADDR: o.masterAddr, MASTER_PORT: String(store.port), WORLD_SIZE: String(worldSize), RANK: String(rank),
      LOCAL_RANK: String(local), LOCAL_WORLD_SIZE: String(o.nproc), GROUP_RANK: String(o.nodeRank), DISCO_THREADS: threads,
      DISCO_STORE: 'launcher', DISCO_LAUNCHER_PID: String(process.pid), DISCO_DIST_TIMEOUT: String(timeoutS),
    };
    const child = spawn(process.execPath, [...process.execArgv, ...o.command], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    return { rank, child, ended: null, failed: false, forced: false };
  });
  try {
    await supervise(workers, store);
  } finally {
    store.close();
  }
}

/** Waits for every worker; on the first failure or signal, stops the rest. */
function supervise(workers: Worker[], store: Store): Promise<void> {
  return new Promise((resolve, reject) => {
    let killer: NodeJS.Timeout | null = null;
    let interrupted: NodeJS.Signals | null = null;
    const alive = () => workers.filter((w) => w.ended === null);
    const killAfter = (ms: number) => {
      killer ??= setTimeout(() => alive().forEach((w) => { w.forced = true; w.child.kill('SIGKILL'); }), ms);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      interrupted = signal;
      for (const w of alive()) w.child.kill('SIGTERM');
      killAfter(5000);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);
    const ended = (w: Worker, how: string, failed: boolean) => {
      if (w.ended !== null) return;
      w.ended = how;
      w.failed = failed;
      if (failed && !interrupted && !w.forced) {
        recordExit(store, w);
        killAfter(GRACE_MS);
      }
      if (alive().length) return;
      if (killer) clearTimeout(killer);
      for (const s of signals) process.off(s, onSignal);
      if (interrupted) reject(new Error(`stopped by ${interrupted}: ended ${workers.length} worker${workers.length > 1 ? 's' : ''}`));
      else if (workers.some((x) => x.failed)) reject(new Error(`the job failed: ${summary(workers, store)}`));
      else resolve();
    };
    for (const w of workers) {
      w.child.on('error', (e) => ended(w, `could not start: ${e.message}`, true));
      w.child.on('exit', (code, signal) => ended(w, signal ? `was killed by ${signal}` : `exited with code ${code}`, code !== 0));
    }
  });
}

/** Tells the peers how a worker ended that left no record of its own (a signal, a crash). */
function recordExit(store: Store, w: Worker): void {
  try {
    if (!store.has(keys.error(w.rank)) && !store.has(keys.lost(w.rank))) store.set(keys.exit(w.rank), `${w.ended} (pid ${w.child.pid})`);
  } catch {
    // Node 0's launcher and its store are gone: its workers' peers see that instead.
  }
}

/** "rank 1 was killed by SIGKILL; rank 0 stopped after it": the failures first, then those that followed. */
function summary(workers: Worker[], store: Store): string {
  const peek = (key: string) => {
    try {
      return store.peek(key);
    } catch {
      return null;
    }
  };
  const ranks = (ws: Worker[]) => `rank${ws.length > 1 ? 's' : ''} ${ws.map((w) => w.rank).join(', ')}`;
  const failed = workers.filter((w) => w.failed && !w.forced);
  const followed = failed.filter((w) => peek(keys.lost(w.rank)) !== null);
  const byCause = new Map<string, Worker[]>(); // ranks that failed alike are named together
  for (const w of failed.filter((x) => !followed.includes(x))) {
    const e = peek(keys.error(w.rank));
    const cause = e !== null ? `failed: ${e}` : w.ended!;
    byCause.set(cause, [...(byCause.get(cause) ?? []), w]);
  }
  const causes = [...byCause].map(([cause, ws]) => `${ranks(ws)} ${cause}`);
  const forced = workers.filter((w) => w.forced);
  return [...(causes.length ? causes : ['a worker on another node failed']),
    ...(followed.length ? [`${ranks(followed)} stopped after it`] : []),
    ...(forced.length ? [`${ranks(forced)} did not stop within ${GRACE_MS / 1000} s and ${forced.length > 1 ? 'were' : 'was'} killed`] : [])].join('; ');
}

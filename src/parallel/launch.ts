/**
 * The launcher behind `disco-diff train --nproc N`: starts N workers on this machine, one rank each
 * with its share of the cores, and passes them the rendezvous in torchrun's variables. It hosts the
 * store, so the store outlives any worker: on one machine a FileStore in a private directory (no
 * port is opened; Gloo and NCCL stay on loopback), across machines node 0's TCPStore. It ends the
 * job when one worker fails: it records how a worker that died without a word ended (`exit/<rank>`,
 * src/parallel/failures.ts), kills at once a worker a peer found frozen, gives the others a grace
 * period to stop with their own error naming the rank, then kills what is left. The workers run in
 * a process group of their own and die with the launcher (PR_SET_PDEATHSIG); the launcher passes a
 * first SIGINT, SIGTERM or SIGHUP on to them (a training loop then stops after its step with a
 * checkpoint, src/train/signals.ts) and kills them at a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** Node 0's address, for a job across machines (nnodes > 1; a one-machine job opens no port). */
  masterAddr?: string;
  /** The store's port on node 0 (0 there: any free port), for a job across machines. */
  masterPort?: number;
  /** The worker command: a script and its arguments, run with this Node and its flags. */
  command: string[];
  /** Collective timeout in seconds (DISCO_DIST_TIMEOUT). */
  timeoutS?: number;
  quiet?: boolean;
}

/** How long the other workers may take to stop on their own after one failed. */
const GRACE_MS = 15_000;

interface Worker {
  rank: number;
  child: ChildProcess;
  ended: string | null;
  failed: boolean;
  /** Killed by the launcher: after the grace, at a second signal, or (`frozen`) because a peer found it frozen. */
  forced: boolean;
  frozen: boolean;
}

/** Runs the job; resolves when every worker succeeded, else throws an error naming the failed ranks. */
export async function launch(o: LaunchOptions): Promise<void> {
  for (const [name, v, min] of [['--nproc', o.nproc, 1], ['--nnodes', o.nnodes, 1], ['--node-rank', o.nodeRank, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${v}`);
  }
  if (o.nodeRank >= o.nnodes) throw new Error(`--node-rank must be below --nnodes (${o.nnodes}), got ${o.nodeRank}`);
  if (o.nnodes > 1 && !o.masterAddr) throw new Error('--master-addr must name node 0 when --nnodes > 1');
  if (o.nodeRank > 0 && !o.masterPort) throw new Error('--master-port must name node 0\'s port on the other nodes');
  const timeoutS = o.timeoutS ?? DEFAULT_TIMEOUT_S;
  const dir = o.nnodes === 1 ? mkdtempSync(join(tmpdir(), 'disco-diff-rendezvous-')) : null; // mode 0700
  try {
    const store = dir ? Store.file(join(dir, 'store'), timeoutS * 1000)
      : Store.tcp(o.masterAddr!, o.masterPort ?? 0, o.nodeRank === 0, timeoutS * 1000);
    try {
      await supervise(start(o, store, timeoutS), store);
    } finally {
      store.close();
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts this node's workers, each in a process group of its own (a terminal's Ctrl-C reaches the launcher only). */
function start(o: LaunchOptions, store: Store, timeoutS: number): Worker[] {
  const worldSize = o.nnodes * o.nproc;
  const threads = process.env.DISCO_THREADS || String(Math.max(1, Math.floor(usableCores() / o.nproc)));
  if (!o.quiet) {
    const first = o.nodeRank * o.nproc;
    process.stderr.write(`launching ${o.nproc} worker${o.nproc > 1 ? 's' : ''} (rank${o.nproc > 1 ? `s ${first}–${first + o.nproc - 1}` : ` ${first}`} ` +
      `of ${worldSize}), ${threads} thread${threads === '1' ? '' : 's'} each; ` +
      `${store.port ? `store ${store.where}` : `rendezvous in ${store.where} (no open port)`}\n`);
  }
  // One machine: the store is a file, and the backends bind loopback (NCCL unless told otherwise).
  const rendezvous = store.port ? { MASTER_ADDR: o.masterAddr!, MASTER_PORT: String(store.port), DISCO_STORE: 'launcher' }
    : { DISCO_STORE_FILE: store.where, NCCL_SOCKET_IFNAME: process.env.NCCL_SOCKET_IFNAME || 'lo' };
  return Array.from({ length: o.nproc }, (_, local) => {
    const rank = o.nodeRank * o.nproc + local;
    const env = {
      ...process.env, ...rendezvous, WORLD_SIZE: String(worldSize), RANK: String(rank),
      LOCAL_RANK: String(local), LOCAL_WORLD_SIZE: String(o.nproc), GROUP_RANK: String(o.nodeRank), DISCO_THREADS: threads,
      DISCO_LAUNCHER_PID: String(process.pid), DISCO_DIST_TIMEOUT: String(timeoutS),
    };
    const child = spawn(process.execPath, [...process.execArgv, ...o.command], { env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    return { rank, child, ended: null, failed: false, forced: false, frozen: false };
  });
}

/**
 * Waits for every worker; on the first failure, stops the rest. A first signal is passed on to the
 * workers, a second kills them.
 */
function supervise(workers: Worker[], store: Store): Promise<void> {
  return new Promise((resolve, reject) => {
    let killer: NodeJS.Timeout | null = null;
    let interrupted: NodeJS.Signals | null = null;
    const alive = () => workers.filter((w) => w.ended === null);
    const kill = (w: Worker) => { w.forced = true; w.child.kill('SIGKILL'); };
    const killAfter = (ms: number) => {
      killer ??= setTimeout(() => alive().forEach(kill), ms);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupted) alive().forEach(kill);
      else for (const w of alive()) w.child.kill(signal);
      interrupted ??= signal;
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);
    const ended = (w: Worker, how: string, failed: boolean) => {
      if (w.ended !== null) return;
      w.ended = how;
      w.failed = failed;
      if (failed && !interrupted && !w.forced) {
        recordExit(store, w);
        for (const x of alive().filter((a) => peek(store, keys.stale(a.rank)) !== null)) { x.frozen = true; kill(x); }
        killAfter(GRACE_MS);
      }
      if (alive().length) return;
      if (killer) clearTimeout(killer);
      for (const s of signals) process.off(s, onSignal);
      if (interrupted) {
        reject(Object.assign(new Error(`stopped by ${interrupted} (passed on to ${workers.length} worker${workers.length > 1 ? 's' : ''})`),
          { exitCode: 128 + constants.signals[interrupted] }));
      } else if (workers.some((x) => x.failed)) reject(new Error(`the job failed: ${summary(workers, store)}`));
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

/** A record in the store, or null when it is not set or the store is gone. */
function peek(store: Store, key: string): string | null {
  try {
    return store.peek(key);
  } catch {
    return null;
  }
}

/**
 * "rank 1 was killed by SIGKILL; rank 0 stopped after it": the failures first (a rank of another
 * node as the ranks that stopped after it name it), then those that followed.
 */
function summary(workers: Worker[], store: Store): string {
  const ranks = (ws: Worker[]) => `rank${ws.length > 1 ? 's' : ''} ${ws.map((w) => w.rank).join(', ')}`;
  const failed = workers.filter((w) => w.failed && !w.forced);
  const followed = failed.filter((w) => peek(store, keys.lost(w.rank)) !== null);
  const byCause = new Map<string, Worker[]>(); // ranks that failed alike are named together
  for (const w of failed.filter((x) => !followed.includes(x))) {
    const e = peek(store, keys.error(w.rank));
    const cause = e !== null ? `failed: ${e}` : w.ended!;
    byCause.set(cause, [...(byCause.get(cause) ?? []), w]);
  }
  const causes = [...byCause].map(([cause, ws]) => `${ranks(ws)} ${cause}`);
  for (const w of workers.filter((x) => x.frozen)) causes.push(`rank ${w.rank} (pid ${w.child.pid}) ${peek(store, keys.stale(w.rank))} and was killed`);
  if (!causes.length) causes.push(...new Set(followed.map((w) => peek(store, keys.lost(w.rank))!)));
  const forced = workers.filter((w) => w.forced && !w.frozen);
  return [...(causes.length ? causes : ['a worker on another node failed']),
    ...(followed.length ? [`${ranks(followed)} stopped after it`] : []),
    ...(forced.length ? [`${ranks(forced)} did not stop within ${GRACE_MS / 1000} s and ${forced.length > 1 ? 'were' : 'was'} killed`] : [])].join('; ');
}

/**
 * The rendezvous a worker of a data-parallel job reads from its environment, in torchrun's
 * variables (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE) plus the
 * few that `disco-diff train --nproc` adds (DISCO_*). A one-machine job of that launcher meets in a
 * file (DISCO_STORE_FILE) and needs no MASTER_ADDR or MASTER_PORT.
 */

export interface DistEnv {
  /** The rendezvous store's file on this machine (a one-machine job), or null: node 0's TCPStore at masterAddr:masterPort. */
  storeFile: string | null;
  /** Node 0's address and its store's port ('127.0.0.1' and 0 with a store file). */
  masterAddr: string;
  masterPort: number;
  rank: number;
  worldSize: number;
  localRank: number;
  localWorldSize: number;
  /** The launcher hosts the rendezvous store (it outlives any worker); else rank 0 does, as under torchrun. */
  launcherStore: boolean;
  /** pid of the launcher this worker dies with, or null. */
  launcherPid: number | null;
  /** How long a collective may wait for a live peer before the job fails (DISCO_DIST_TIMEOUT seconds, default 600). */
  timeoutMs: number;
}

/** Default collective timeout in seconds. */
export const DEFAULT_TIMEOUT_S = 600;

/** The worker's rendezvous, or null when WORLD_SIZE is unset (a plain single-process run). */
export function distEnv(env: NodeJS.ProcessEnv = process.env): DistEnv | null {
  if (env.WORLD_SIZE === undefined || env.WORLD_SIZE === '') return null;
  const int = (name: string, min: number, max: number, fallback?: number): number => {
    const v = env[name];
    if ((v === undefined || v === '') && fallback !== undefined) return fallback;
    const n = Number(v);
    if (v === undefined || v === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new Error(`${name} must be an integer in ${min}..${max} for a data-parallel run, got '${v ?? ''}'`);
    }
    return n;
  };
  const worldSize = int('WORLD_SIZE', 1, 65_536);
  const rank = int('RANK', 0, worldSize - 1);
  const localWorldSize = int('LOCAL_WORLD_SIZE', 1, worldSize, 1);
  const storeFile = env.DISCO_STORE_FILE || null;
  const masterAddr = storeFile ? '127.0.0.1' : env.MASTER_ADDR ?? '';
  if (!masterAddr) throw new Error('MASTER_ADDR must name the host of rank 0 (or of the launcher) for a data-parallel run');
  const timeout = Number(env.DISCO_DIST_TIMEOUT ?? DEFAULT_TIMEOUT_S);
  if (!(timeout > 0)) throw new Error(`DISCO_DIST_TIMEOUT must be a positive number of seconds, got '${env.DISCO_DIST_TIMEOUT}'`);
  return {
    storeFile, masterAddr, masterPort: storeFile ? 0 : int('MASTER_PORT', 1, 65_535), rank, worldSize,
    localRank: int('LOCAL_RANK', 0, localWorldSize - 1, 0), localWorldSize,
    launcherStore: storeFile !== null || env.DISCO_STORE === 'launcher',
    launcherPid: env.DISCO_LAUNCHER_PID ? int('DISCO_LAUNCHER_PID', 1, 2 ** 31) : null,
    timeoutMs: timeout * 1000,
  };
}

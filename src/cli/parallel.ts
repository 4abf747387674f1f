/**
 * Data-parallel wiring of CLI commands: with --nproc/--nnodes this process is the launcher
 * (src/parallel/launch.ts) and re-runs the same command line in each worker; a worker (WORLD_SIZE in
 * its environment) joins the process group, and its errors reach every rank.
 */
import { distEnv, launch, ProcessGroup, defaultBackend } from '../parallel/index.js';
import { Interrupted } from '../train/signals.js';

/** The launcher's options, as the CLI parses them. */
export interface LaunchCliOptions {
  nproc?: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  distTimeout?: number;
  quiet?: boolean;
}

/** Options the launcher takes and does not pass on to its workers. */
const LAUNCH_OPTIONS = ['--nproc', '--nnodes', '--node-rank', '--master-addr', '--master-port', '--dist-timeout'];

/** Whether the options ask for a launcher. */
export function wantsLaunch(o: LaunchCliOptions): boolean {
  return o.nproc !== undefined || o.nnodes !== undefined;
}

/** `argv` without the options `names` and their values (`--name v` and `--name=v`). */
export function withoutOptions(argv: string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (names.includes(a)) i += 1;
    else if (!names.some((n) => a.startsWith(`${n}=`))) out.push(a);
  }
  return out;
}

/** Starts the workers of this node with this process's command line, less the launcher's options. */
export async function launchWorkers(o: LaunchCliOptions): Promise<void> {
  if (distEnv()) throw new Error('--nproc/--nnodes start workers; this process already is one (WORLD_SIZE is set)');
  const nnodes = o.nnodes ?? 1;
  if (nnodes === 1 && (o.masterAddr !== undefined || o.masterPort !== undefined)) {
    throw new Error('--master-addr and --master-port are for a job across machines (--nnodes > 1); a one-machine job opens no port');
  }
  await launch({
    nproc: o.nproc ?? 1, nnodes, nodeRank: o.nodeRank ?? 0, masterAddr: o.masterAddr,
    masterPort: o.masterPort ?? 29500, timeoutS: o.distTimeout, quiet: o.quiet,
    command: [process.argv[1]!, ...withoutOptions(process.argv.slice(2), LAUNCH_OPTIONS)],
  });
}

/**
 * Runs `fn` with this worker's process group (null in a plain single-process run). An error is
 * recorded for the peers and names this rank; a stop by a signal (which every rank got, and which
 * stopped them after the same step) stays as it is.
 */
export async function asWorker(fn: (group: ProcessGroup | null) => Promise<void>): Promise<void> {
  const env = distEnv();
  if (!env) return fn(null);
  const group = await ProcessGroup.join(env, defaultBackend(), process.argv.slice(2));
  try {
    await fn(group);
  } catch (e) {
    throw e instanceof Interrupted ? e : group.failed(e);
  }
}

/** `make()` on rank 0 (or the only process), its result (JSON) on every rank. */
export function fromRank0<T>(group: ProcessGroup | null, what: string, make: () => T): T {
  if (!group) return make();
  return group.shareJson(group.rank === 0 ? make() : null, what);
}

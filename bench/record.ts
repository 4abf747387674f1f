/**
 * The machine record every bench result carries under "machine": which commit ran, on which CPU,
 * with how many threads. Timings and even losses move with the CPU (AVX-512 and AVX2 kernels
 * round differently, and run at different speeds), so a number is only read next to its record.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { buildInfo, numThreads } from '../src/engine/index.js';
import { usableCores } from '../src/engine/cores.js';

/** Where and how a result was measured. */
export interface MachineRecord {
  /** `git rev-parse HEAD`, with "-dirty" when tracked files outside bench/results differ from it. */
  commit: string;
  /** The CPU's model name (/proc/cpuinfo). */
  cpu: string;
  /** The widest vector ISA the CPU offers (avx512f, avx2, avx, sse4_2; sve, asimd on Arm). */
  isa: string;
  /** Cores this process may use (affinity and cgroup quota: src/engine/cores.ts). */
  cores: number;
  /** Intra-op threads of each measuring process; a list where the bench compares thread counts. */
  threads: number | number[];
  node: string;
  libtorch: string;
  blas: string;
  /** ISO time the result was written. */
  date: string;
  /** What the record cannot say by itself (e.g. how many runs shared the machine). */
  note?: string;
  /** Set on records added later from git history and closing notes, for results older than this file. */
  retro?: true;
}

const root = join(import.meta.dirname, '..');

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

/** The checkout's commit, marked dirty by changes to tracked files other than bench results. */
export function commitId(): string {
  const head = git(['rev-parse', 'HEAD']) || 'unknown';
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results']) !== '';
  return dirty ? `${head}-dirty` : head;
}

const ISA_ORDER = ['avx512f', 'avx2', 'avx', 'sse4_2', 'sve', 'asimd'];

/** Model name and widest ISA from /proc/cpuinfo text. */
export function cpuFromCpuinfo(text: string): { cpu: string; isa: string } {
  const field = (key: string) => text.match(new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
  const flags = new Set((field('flags') ?? field('Features') ?? '').split(/\s+/));
  return { cpu: field('model name') ?? field('Model') ?? 'unknown', isa: ISA_ORDER.find((f) => flags.has(f)) ?? arch() };
}

/** The record of this process's machine; `threads` defaults to the engine's intra-op thread count. */
export function machineRecord(opts: { threads?: number | number[]; note?: string } = {}): MachineRecord {
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch { /* not Linux: model and ISA unknown */ }
  const info = buildInfo();
  return {
    commit: commitId(), ...cpuFromCpuinfo(cpuinfo), cores: usableCores(), threads: opts.threads ?? numThreads(),
    node: process.version, libtorch: info.torchVersion, blas: info.blas, date: new Date().toISOString(),
    ...(opts.note ? { note: opts.note } : {}),
  };
}

/**
 * One writer per run directory: an exclusive lock file (RUN/run.lock) holding the writer's pid,
 * host, command and start time. It is created complete in one step (a hard link to a finished temp
 * file), so a reader never sees half a lock. A lock of this host whose process is gone is stale
 * and is taken over with a message; a live one, or one of another host, refuses the new writer.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { removeStaleTemps } from '../io/atomic.js';
import { isRecord } from '../io/json.js';
import { pidAlive } from '../io/pid.js';
import type { RunDir } from './run-dir.js';

/** What a lock file holds. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

/** A held lock; `release()` removes it. */
export class RunLock {
  private released = false;

  private constructor(readonly path: string) {}

  /**
   * Takes the lock at `path` for `command`, taking over a stale one (with a message on stderr
   * unless `quiet`); throws naming the holder when another live writer has it.
   */
  static acquire(path: string, command: string, quiet = false): RunLock {
    const mine: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, JSON.stringify(mine) + '\n');
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new Error(`cannot write the lock file ${tmp}: ${(e as Error).message}`);
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        if (link(tmp, path)) return new RunLock(path);
        const held = readHolder(path);
        if (held === 'gone') continue;                       // released meanwhile: try again
        if (held === 'unreadable') {
          throw new Error(`the lock file ${path} is unreadable; delete it if no other process is writing ${dirname(path)}`);
        }
        if (!isStale(held)) throw new Error(busy(path, held));
        if (!quiet) process.stderr.write(`taking over the stale lock ${path} of ${describe(held)}: that process is gone\n`);
        rmSync(path, { force: true });
      }
      throw new Error(`could not take the lock ${path}: other writers keep taking it`);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  /** Removes the lock if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const held = readHolder(this.path);
    if (typeof held === 'object' && held.pid === process.pid && held.host === hostname()) rmSync(this.path, { force: true });
  }
}

/**
 * Runs `fn` as the one writer of `run` (`command` names it to other writers), after removing
 * temp files that killed writers left there.
 */
export async function withRunLock<T>(run: RunDir, command: string, quiet: boolean | undefined, fn: () => Promise<T>): Promise<T> {
  const lock = RunLock.acquire(run.lock, command, quiet);
  try {
    removeStaleTemps(run.root);
    return await fn();
  } finally {
    lock.release();
  }
}

/** Creates `path` as a hard link to `tmp`; false when it exists. */
function link(tmp: string, path: string): boolean {
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot create the lock file ${path}: ${(e as Error).message}`);
  }
}

function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const h: unknown = JSON.parse(text);
    if (isRecord(h) && Number.isSafeInteger(h.pid) && typeof h.host === 'string') return h as unknown as LockHolder;
  } catch {
    // not JSON: unreadable below
  }
  return 'unreadable';
}

/** A lock of this host whose process no longer runs. */
function isStale(h: LockHolder): boolean {
  return h.host === hostname() && !pidAlive(h.pid);
}

function describe(h: LockHolder): string {
  return `\`${h.command}\` (pid ${h.pid} on ${h.host}, since ${h.since})`;
}

function busy(path: string, h: LockHolder): string {
  const other = h.host !== hostname() ? `; if that process is gone, delete ${path}` : '';
  return `${dirname(path)} is in use by ${describe(h)} (one writer per run directory): wait for it to finish or use another directory${other}`;
}

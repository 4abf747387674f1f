/** Atomic file writes: write a temp file beside the target, fsync, rename over it. */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pidAlive } from './pid.js';

/** A temp file of `writeFileAtomic`: `<target>.tmp-<pid of its writer>`. */
const TEMP = /\.tmp-(\d+)$/;

/**
 * Writes `chunks` to `path` so that readers see either the old file or the complete new one.
 * On any failure the temp file is removed and the error names `path`. Stale temp files of the
 * same target, left by writers that were killed, are removed first.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array[]): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new Error('it is a directory');
    mkdirSync(dirname(path), { recursive: true });
    removeStaleTemps(dirname(path), basename(path));
    const fd = openSync(tmp, 'w');
    try {
      for (const c of chunks) {
        let off = 0;
        while (off < c.byteLength) off += writeSync(fd, c, off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Removes a file if it can; a failure here must not hide the error being reported. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true, recursive: true });
  } catch {
    // nothing to remove (e.g. the folder itself is unreachable)
  }
}

/** Writes UTF-8 text atomically. */
export function writeTextAtomic(path: string, text: string): void {
  writeFileAtomic(path, [Buffer.from(text, 'utf8')]);
}

/**
 * Removes the temp files `<name>.tmp-<pid>` in `dir` (names starting with `prefix`) whose writer
 * is no longer running on this machine; returns the names removed.
 */
export function removeStaleTemps(dir: string, prefix = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => {
    const pid = Number(TEMP.exec(n)?.[1]);
    return n.startsWith(prefix) && pid > 0 && pid !== process.pid && !pidAlive(pid);
  });
  for (const n of stale) removeQuietly(join(dir, n));
  return stale;
}

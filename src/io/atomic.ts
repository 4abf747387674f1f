/**
 * Atomic file writes: write a temp file beside the target, fsync, rename over it. Only regular
 * files are replaced so; a character device or FIFO (/dev/null, a named pipe) is written in place.
 */
import {
  closeSync, constants, fsyncSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pidAlive } from './pid.js';

/** A temp file of `writeFileAtomic`: `<target>.tmp-<pid of its writer>`. */
const TEMP = /\.tmp-(\d+)$/;

/**
 * Writes `chunks` to `path` so that readers see either the old file or the complete new one.
 * On any failure the temp file is removed and the error names `path`. Stale temp files of the
 * same target, left by writers that were killed, are removed first. A symlink to a regular file
 * keeps the link and replaces the file it names. A target that is a character device or FIFO is
 * written through instead (never replaced); other special files are refused.
 */
export function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void {
  try {
    const target = statSync(path, { throwIfNoEntry: false });
    if (target?.isDirectory()) throw new Error('it is a directory');
    if (target && !target.isFile()) writeInPlace(path, target, chunks);
    else replaceFile(target ? realpathSync(path) : path, chunks);   // through a symlink: its file, not the link
  } catch (e) {
    throw new Error(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Writes a temp file beside `path`, fsyncs it and renames it over `path`; the temp file never outlives a failure. */
function replaceFile(path: string, chunks: Iterable<Uint8Array>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    removeStaleTemps(dirname(path), basename(path));
    const fd = openSync(tmp, 'w');
    try {
      writeAll(fd, chunks);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw e;
  }
}

/** Writes to an existing character device or FIFO without creating or renaming anything. */
function writeInPlace(path: string, target: Stats, chunks: Iterable<Uint8Array>): void {
  if (!target.isCharacterDevice() && !target.isFIFO()) {
    throw new Error(`it is a ${target.isSocket() ? 'socket' : 'block device'}; only regular files, character devices and FIFOs are written`);
  }
  const fd = openSync(path, constants.O_WRONLY);
  try {
    writeAll(fd, chunks);
  } finally {
    closeSync(fd);
  }
}

/** Writes every byte of `chunks` to `fd` (a write may take only part of a chunk). */
function writeAll(fd: number, chunks: Iterable<Uint8Array>): void {
  for (const c of chunks) {
    let off = 0;
    while (off < c.byteLength) off += writeSync(fd, c, off);
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

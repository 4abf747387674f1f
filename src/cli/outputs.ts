/**
 * The files a command will write, checked before it does any work: none may be a file of a run the
 * command reads, no two may be one file, and each must be writable where it is (missing directories
 * are created on write, so the nearest directory that exists must be writable).
 */
import { accessSync, constants, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { RunDir } from '../train/run-dir.js';

/** An output of a command: what names it (an option, or a description) and its path. */
export interface Output {
  what: string;
  path: string;
  /** A directory the command writes into, rather than a file (default 'file'). */
  kind?: 'file' | 'directory';
}

/** Where a path leads: the real path (symlinks and `..` resolved, as far as it exists) and, when it exists, its inode. */
interface Target {
  real: string;
  stat: Stats | undefined;
}

function target(path: string): Target {
  const real = realTarget(resolve(path));
  return { real, stat: statOf(real) };
}

/** The stats of `path`, or undefined when it cannot be reached (missing, or a part of it is a file). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The real path of `abs`; for a part that does not exist (or a dangling link), its directory's real path and its name. */
function realTarget(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realTarget(parent), basename(abs));
  }
}

/** One file: the same real path, or the same inode (a hard link). */
function same(a: Target, b: Target): boolean {
  return a.real === b.real || (!!a.stat && !!b.stat && a.stat.dev === b.stat.dev && a.stat.ino === b.stat.ino);
}

/**
 * Throws one line naming the first problem: an output that is a file of a run in `reads` (or the
 * run directory itself), two outputs on one file (a character device such as /dev/null may take
 * several), an output that is a directory where a file is wanted (or the other way round), a socket
 * or block device, or a place that cannot be written.
 */
export function checkOutputs(outputs: readonly Output[], reads: readonly string[] = []): void {
  const protectedFiles = reads.flatMap((dir) => new RunDir(dir).files().map(([name, path]) => ({ dir, name, t: target(path) })));
  const seen: { o: Output; t: Target }[] = [];
  for (const o of outputs) {
    const t = target(o.path);
    const hit = protectedFiles.find((p) => same(p.t, t));
    if (hit) {
      throw new Error(`${o.what} ${o.path} is the ${hit.name} of the run ${hit.dir} being read: writing it would destroy the run; ` +
        'choose another path');
    }
    const twin = seen.find((s) => same(s.t, t) && !t.stat?.isCharacterDevice());
    if (twin) throw new Error(`${twin.o.what} and ${o.what} name one file (${o.path}): give each output its own path`);
    seen.push({ o, t });
    checkWritable(o, t);
  }
}

/** Throws when `o` cannot be written where it is. */
function checkWritable(o: Output, t: Target): void {
  const isDir = o.kind === 'directory';
  const refuse = (why: string) => new Error(`cannot write ${o.what} ${o.path}: ${why}`);
  if (t.stat) {
    if (isDir && !t.stat.isDirectory()) throw refuse('it exists and is not a directory');
    if (!isDir && t.stat.isDirectory()) throw refuse('it is a directory; give a file name');
    if (t.stat.isSocket() || t.stat.isBlockDevice()) {
      throw refuse(`it is a ${t.stat.isSocket() ? 'socket' : 'block device'}; only regular files, character devices and FIFOs are written`);
    }
  }
  const within = isDir && t.stat ? t.real : nearestExisting(dirname(t.real));
  if (!statOf(within)?.isDirectory()) throw refuse(`${within} is not a directory`);
  try {
    accessSync(within, constants.W_OK);
  } catch (e) {
    throw refuse(`${within} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** `dir` or its nearest ancestor that exists. */
function nearestExisting(dir: string): string {
  let d = dir;
  while (!statOf(d) && dirname(d) !== d) d = dirname(d);
  return d;
}

/**
 * Reading files with errors that name them (missing, a directory, not a regular file, too large,
 * truncated): small files read whole, large ones opened and read by byte range.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';

/** The largest file `readFileNamed` reads whole (configs are a few kB). */
export const MAX_WHOLE_FILE = 8 * 2 ** 20;

/** The most bytes one `readSync` call is asked for (Linux returns at most ~2 GiB per read). */
const READ_CHUNK = 2 ** 30;

/** A regular file opened for reading; `what` names the kind of file in errors. */
export interface OpenFile {
  path: string;
  what: string;
  fd: number;
  size: number;
}

/**
 * The size of regular file `path`. A FIFO or a device (/dev/zero) is refused before it is opened,
 * so a reader never blocks on it or reads without end.
 */
function regularFileSize(path: string, what: string): number {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${what} not found: ${path}`);
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  if (st.isDirectory()) throw new Error(`${what} ${path} is a directory, not a file`);
  if (!st.isFile()) throw new Error(`${what} ${path} is not a regular file`);
  return st.size;
}

/** The bytes of `path`, at most `maxBytes` of them; `what` names the kind of file in errors, e.g. "config file". */
export function readFileNamed(path: string, what: string, maxBytes = MAX_WHOLE_FILE): Buffer {
  const size = regularFileSize(path, what);
  if (size > maxBytes) throw new Error(`${what} ${path} has ${size} bytes, more than the ${maxBytes} a ${what} may have`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** Opens regular file `path` for reading by byte range (`readAt`); close it with `closeFile`. */
export function openFile(path: string, what: string): OpenFile {
  const size = regularFileSize(path, what);
  try {
    return { path, what, fd: openSync(path, 'r'), size };
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** Closes a file of `openFile`. */
export function closeFile(f: OpenFile): void {
  closeSync(f.fd);
}

/**
 * Bytes [position, position + length) of `f`, read into `into` (or a new Buffer) in chunks, so
 * offsets and lengths past 2 GiB work; throws naming the file if it ends first.
 */
export function readAt(f: OpenFile, position: number, length: number, into?: Buffer): Buffer {
  const buf = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let done = 0;
  try {
    while (done < length) {
      const n = readSync(f.fd, buf, done, Math.min(length - done, READ_CHUNK), position + done);
      if (n === 0) break;
      done += n;
    }
  } catch (e) {
    throw new Error(`cannot read ${f.what} ${f.path}: ${(e as Error).message}`);
  }
  if (done < length) throw new Error(`${f.what} ${f.path} ends at byte ${position + done}, before byte ${position + length} (truncated?)`);
  return buf;
}

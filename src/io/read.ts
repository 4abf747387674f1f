/** Reading a whole file with errors that name it (missing, a directory, unreadable). */
import { readFileSync, statSync } from 'node:fs';

/** The bytes of `path`; `what` names the kind of file in errors, e.g. "safetensors file". */
export function readFileNamed(path: string, what: string): Buffer {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${what} not found: ${path}`);
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  if (isDir) throw new Error(`${what} ${path} is a directory, not a file`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

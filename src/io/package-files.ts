/**
 * Files that ship with the package (configs, assets, the docking data set, the pretrained models),
 * found from the package root whether it runs from a checkout (src/) or an install (dist/).
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (the one holding package.json). */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A path inside the package, e.g. packagePath('configs'). */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}

/**
 * A user-given path that may name a shipped file: absolute paths and relative paths that exist
 * from the working directory are used as given; otherwise a relative path that exists inside the
 * package (e.g. the docking config's `data/docking`) is taken from there. Else returned as given,
 * for the caller's "not found" error.
 */
export function resolveShipped(path: string): string {
  if (isAbsolute(path) || existsSync(path)) return path;
  const shipped = resolve(PACKAGE_ROOT, path);
  return existsSync(shipped) ? shipped : path;
}

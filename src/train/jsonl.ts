/** JSON-lines logs (metrics.jsonl, …): appending rows, and repairing them after a crash or on resume. */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeTextAtomic } from '../io/atomic.js';
import { isRecord } from '../io/json.js';

/** Appends one JSON object per line; errors name the file (e.g. a full disk). */
export function appendJsonl(path: string, row: Record<string, unknown>): void {
  try {
    appendFileSync(path, JSON.stringify(row) + '\n');
  } catch (e) {
    throw new Error(`cannot append to ${path}: ${(e as Error).message}`);
  }
}

/**
 * Rewrites `path` (atomically) with only the rows `keep` accepts; lines that are not JSON objects,
 * such as a last line cut short by a kill, are dropped too. Returns the number of lines dropped;
 * a missing file is left missing.
 */
export function filterJsonl(path: string, keep: (row: Record<string, unknown>) => boolean): number {
  if (!existsSync(path)) return 0;
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const kept = lines.filter((l) => {
    try {
      const row: unknown = JSON.parse(l);
      return isRecord(row) && keep(row);
    } catch {
      return false;
    }
  });
  writeTextAtomic(path, kept.map((l) => l + '\n').join(''));
  return lines.length - kept.length;
}

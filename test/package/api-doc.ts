// The documented public API: the names in docs/api.md's tables, with their kinds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a documented name is; 'type' names exist for the type checker only. */
export type ApiKind = 'class' | 'function' | 'constant' | 'namespace' | 'schema' | 'type';

/** Every row of docs/api.md's tables: the name and its kind, in document order. */
export function documentedApi(): { name: string; kind: ApiKind }[] {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api.md'), 'utf8');
  return [...text.matchAll(/^\| `(\w+)` \| (\w+) \|/gm)].map(([, name, kind]) => ({ name: name!, kind: kind as ApiKind }));
}

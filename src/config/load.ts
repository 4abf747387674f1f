/** Reads and validates a run config (JSON or YAML) with errors that name the bad key. */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { RunConfig } from './schema.js';

/** Validates a plain object; throws an Error listing every problem as `path: message`. */
export function parseConfig(raw: unknown, source = 'config'): RunConfig {
  const r = RunConfig.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid ${source}: ${lines.join('; ')}`);
  }
  return r.data;
}

export function loadConfig(path: string): RunConfig {
  if (!existsSync(path)) throw new Error(`config file not found: ${path}`);
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new Error(`config file ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message}`);
  }
  return parseConfig(raw, `config ${path}`);
}

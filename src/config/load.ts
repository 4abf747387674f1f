/** Reads and validates a run config (JSON or YAML) with errors that name the bad key. */
import { readFileNamed } from '../io/read.js';
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

/** Reads and validates a JSON or YAML run config file. */
export function loadConfig(path: string): RunConfig {
  const text = readFileNamed(path, 'config file').toString('utf8');
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(path) ? parseYaml(text, { logLevel: 'error' }) : JSON.parse(text);
  } catch (e) {
    throw new Error(`config file ${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message}`);
  }
  return parseConfig(raw, `config ${path}`);
}

/**
 * Applies `key.path=value` assignments (value as JSON, else a string) to a raw config object, e.g.
 * `latents.k=16` or `model.latentInput=none`; returns the same object.
 */
export function applyOverrides(raw: Record<string, unknown>, assignments: string[]): Record<string, unknown> {
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`override '${a}': expected key.path=value`);
    const path = a.slice(0, eq).split('.');
    let value: unknown;
    try { value = JSON.parse(a.slice(eq + 1)); } catch { value = a.slice(eq + 1); }
    let o = raw;
    for (const k of path.slice(0, -1)) {
      const next = o[k] ?? {};
      if (typeof next !== 'object' || next === null || Array.isArray(next)) throw new Error(`override '${a}': ${k} is not an object`);
      o = (o[k] = next) as Record<string, unknown>;
    }
    o[path.at(-1)!] = value;
  }
  return raw;
}

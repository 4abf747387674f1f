/** Reads and validates a run config (JSON or YAML) with errors that name the bad key. */
import type { z } from 'zod';
import { isPair, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { readFileNamed } from '../io/read.js';
import { isRecord } from '../io/json.js';
import { PREDATING_MODEL_VALUES, RunConfig } from './schema.js';
import { DockingConfig } from './docking.js';

/** Validates a plain object; throws an Error listing every problem as `path: message`. */
export function parseConfig(raw: unknown, source = 'config'): RunConfig {
  return validate(RunConfig, raw, source);
}

/**
 * Validates a run's stored config (its config.json or a checkpoint's copy) as parseConfig does,
 * after filling in the keys the run predates with the values it was trained with.
 */
export function parseStoredConfig(raw: unknown, source: string): RunConfig {
  return parseConfig(withPredatingValues(raw), source);
}

/** A stored config with PREDATING_MODEL_VALUES under the keys its model section lacks. */
function withPredatingValues(raw: unknown): unknown {
  const model = isRecord(raw) ? raw.model : undefined;
  if (!isRecord(model) || typeof model.kind !== 'string' || !Object.hasOwn(PREDATING_MODEL_VALUES, model.kind)) return raw;
  const old = PREDATING_MODEL_VALUES[model.kind as keyof typeof PREDATING_MODEL_VALUES];
  return { ...(raw as object), model: { ...old, ...model } };
}

/** Validates a plain object as a docking run config, with the same errors as parseConfig. */
export function parseDockingConfig(raw: unknown, source = 'config'): DockingConfig {
  return validate(DockingConfig, raw, source);
}

/** True when a raw config is a docking run's (`domain: docking`). */
export function isDockingConfig(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && (raw as { domain?: unknown }).domain === 'docking';
}

function validate<S extends z.ZodType>(schema: S, raw: unknown, source: string): z.infer<S> {
  const r = schema.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid ${source}: ${lines.join('; ')}`);
  }
  return r.data;
}

/** The name a YAML key node stands for as a JS property (`1` and `"1"` are one key). */
function keyName(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

/** Throws on the first mapping that holds a key twice, naming the key's path and line. */
function refuseDuplicateKeys(doc: Document, lines: LineCounter, source: string): void {
  visit(doc, {
    Map(_, map, path) {
      const seen = new Set<string>();
      for (const { key } of map.items) {
        const name = keyName(key);
        if (seen.has(name)) {
          const pos = isScalar(key) && key.range ? lines.linePos(key.range[0]) : null;
          const at = pos ? ` (line ${pos.line}, column ${pos.col})` : '';
          const keyPath = [...path.filter(isPair).map((p) => keyName(p.key)), name].join('.');
          throw new Error(`${source}: key ${keyPath} appears twice${at}`);
        }
        seen.add(name);
      }
    },
  });
}

/** Reads and validates a JSON or YAML run config file (see readConfigFile). */
export function loadConfig(path: string): RunConfig {
  return parseConfig(readConfigFile(path), `config ${path}`);
}

/** Reads a run's stored config file (see parseStoredConfig). */
export function loadStoredConfig(path: string): RunConfig {
  return parseStoredConfig(readConfigFile(path), `config ${path}`);
}

/** Reads and validates a docking run config file (JSON or YAML, as loadConfig). */
export function loadDockingConfig(path: string): DockingConfig {
  return parseDockingConfig(readConfigFile(path), `config ${path}`);
}

/**
 * The plain object of a JSON or YAML config file, before validation. Both formats follow one
 * rule: a leading UTF-8 byte order mark is skipped and a key given twice in one mapping is an error.
 */
export function readConfigFile(path: string): unknown {
  const isYaml = /\.ya?ml$/i.test(path);
  const source = `config file ${path}`;
  const text = readFileNamed(path, 'config file').toString('utf8').replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    // JSON.parse keeps JSON strict (YAML would also take e.g. trailing commas).
    if (!isYaml) raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, logLevel: 'error' });
  if (isYaml && doc.errors.length) throw new Error(`${source} is not valid YAML: ${doc.errors[0]!.message}`);
  refuseDuplicateKeys(doc, lines, source);
  return isYaml ? doc.toJS() : raw;
}

/** Path parts that would reach an object's prototype instead of a config key. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Applies `key.path=value` assignments (value as JSON, else a string) to a raw config object, e.g.
 * `latents.k=16` or `model.latentInput=none`; returns the same object. It walks own properties
 * only and refuses `__proto__`, `constructor` and `prototype` as path parts, so no assignment
 * reaches a prototype.
 */
export function applyOverrides(raw: Record<string, unknown>, assignments: string[]): Record<string, unknown> {
  for (const a of assignments) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`override '${a}': expected key.path=value`);
    const path = a.slice(0, eq).split('.');
    const bad = path.find((k) => FORBIDDEN_KEYS.has(k));
    if (bad) throw new Error(`override '${a}': '${bad}' is not a config key`);
    let value: unknown;
    try { value = JSON.parse(a.slice(eq + 1)); } catch { value = a.slice(eq + 1); }
    let o = raw;
    for (const k of path.slice(0, -1)) {
      const next = (Object.hasOwn(o, k) ? o[k] : undefined) ?? {};
      if (typeof next !== 'object' || next === null || Array.isArray(next)) throw new Error(`override '${a}': ${k} is not an object`);
      o = (o[k] = next) as Record<string, unknown>;
    }
    o[path.at(-1)!] = value;
  }
  return raw;
}

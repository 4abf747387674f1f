// Reading a config file and `--set` overrides: one rule for JSON and YAML (a UTF-8 byte order
// mark is skipped, a key given twice is refused with its path and line), and override paths that
// would reach Object.prototype are refused. A run's stored config keeps what the run was trained with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyOverrides, loadConfig, parseConfig, parseStoredConfig } from '../../src/config/load.js';
import { PREDATING_MODEL_VALUES } from '../../src/config/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'dd-config-'));
const file = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text); return p; };

test('a config with a UTF-8 byte order mark reads like one without, in JSON and in YAML', () => {
  const json = loadConfig(file('bom.json', '\uFEFF{"data": {"kind": "toy"}, "model": {"kind": "mlp", "hidden": 48}}'));
  const yaml = loadConfig(file('bom.yaml', '\uFEFFdata:\n  kind: toy\nmodel:\n  kind: mlp\n  hidden: 48\n'));
  assert.equal(json.model.kind === 'mlp' && json.model.hidden, 48);
  assert.deepEqual(json, yaml);
});

test('a key given twice is refused in JSON as in YAML, naming its path and line', () => {
  const json = file('dup.json', '{"data": {"kind": "toy"},\n "model": {"kind": "mlp",\n  "hidden": 32,\n  "hidden": 64}}');
  assert.throws(() => loadConfig(json), (e: Error) => {
    assert.equal(e.message, `config file ${json}: key model.hidden appears twice (line 4, column 3)`);
    return true;
  });
  const yaml = file('dup.yaml', 'data:\n  kind: toy\nmodel:\n  kind: mlp\n  hidden: 32\n  "hidden": 64\n');
  assert.throws(() => loadConfig(yaml), (e: Error) => {
    assert.equal(e.message, `config file ${yaml}: key model.hidden appears twice (line 6, column 3)`);
    return true;
  });
  // At the top level too, and a number key equals its string form (both become one property).
  assert.throws(() => loadConfig(file('top.json', '{"data": {"kind": "toy"}, "model": {"kind": "mlp"}, "data": {"kind": "toy"}}')),
    /key data appears twice \(line 1, column 53\)/);
  assert.throws(() => loadConfig(file('num.yaml', 'data:\n  kind: toy\n  1: a\n  "1": b\n')), /key data\.1 appears twice \(line 4/);
});

test('JSON stays strict JSON, and YAML syntax errors still name the file', () => {
  const comma = file('comma.json', '{"data": {"kind": "toy"}, "model": {"kind": "mlp"},}');
  assert.throws(() => loadConfig(comma), new RegExp(`^Error: config file ${comma} is not valid JSON: `));
  const bad = file('bad.yaml', 'data: [\n');
  assert.throws(() => loadConfig(bad), new RegExp(`^Error: config file ${bad} is not valid YAML: `));
});

test('--set refuses __proto__, constructor and prototype as path parts and never touches Object.prototype', () => {
  const cases: [string, string][] = [['__proto__.toString=1', '__proto__'], ['constructor.prototype.polluted=1', 'constructor'],
    ['train.__proto__.polluted=1', '__proto__'], ['model.prototype=1', 'prototype']];
  for (const [a, part] of cases) {
    assert.throws(() => applyOverrides({ train: {} }, [a]), new RegExp(`^Error: override '${a.replace(/[.]/g, '\\.')}': '${part}' is not a config key$`));
  }
  assert.equal(Object.prototype.toString.call([]), '[object Array]');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Inherited names are not walked into: they become ordinary own keys (which the schema refuses).
  const raw: Record<string, unknown> = {};
  applyOverrides(raw, ['toString.x=1', 'hasOwnProperty=2']);
  assert.deepEqual(raw, { toString: { x: 1 }, hasOwnProperty: 2 });
  assert.equal(typeof Object.prototype.hasOwnProperty, 'function');
});

test('through the CLI, a polluting --set exits 2 with one line before any run directory is made', () => {
  const bin = join(import.meta.dirname, '..', '..', 'bin', 'disco-diff.js');
  const cfg = file('tiny.json', '{"data": {"kind": "toy"}, "model": {"kind": "mlp"}}');
  const out = join(dir, 'run');
  const r = spawnSync(process.execPath, [bin, 'train', '--config', cfg, '--out', out, '--set', '__proto__.toString=1'],
    { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, "disco-diff: error: override '__proto__.toString=1': '__proto__' is not a config key\n");
  assert.equal(existsSync(out), false);
});

test('a stored config that predates a model key reads with the value the run was trained with, not today\'s default', () => {
  const stored = JSON.parse(JSON.stringify(parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' } })));
  for (const key of Object.keys(PREDATING_MODEL_VALUES.mlp!)) delete stored.model[key];
  const cfg = parseStoredConfig(stored, 'stored');
  for (const [key, value] of Object.entries(PREDATING_MODEL_VALUES.mlp!)) assert.deepEqual((cfg.model as Record<string, unknown>)[key], value, key);
  // Keys the run recorded win; other model kinds and bad input are left to the schema.
  const recorded = parseStoredConfig({ ...stored, model: { ...stored.model, codeModes: 3 } }, 'stored');
  assert.equal(recorded.model.kind === 'mlp' && recorded.model.codeModes, 3);
  const unet = parseStoredConfig({ data: { kind: 'fashion-mnist' }, model: { kind: 'unet' } }, 'stored');
  assert.deepEqual(unet, parseConfig({ data: { kind: 'fashion-mnist' }, model: { kind: 'unet' } }));
  assert.throws(() => parseStoredConfig({ model: 3 }, 'config stored in x'), /^Error: invalid config stored in x: data: /);
});

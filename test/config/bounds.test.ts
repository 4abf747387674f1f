// Sizes, step counts and seeds have upper bounds (issue #27: M7, L15, L6): beyond them the config
// and the CLI give one line naming the key or flag and the bound, before any work or allocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { LIMITS, SampleConfig } from '../../src/config/schema.js';
import { withOverrides } from '../../src/disco/sample.js';

const base = { data: { kind: 'toy' }, model: { kind: 'mlp' } };
const refused = (raw: Record<string, unknown>, re: RegExp) => assert.throws(() => parseConfig({ ...base, ...raw }), re);

test('config keys beyond their bounds are refused, naming the key and the bound', () => {
  refused({ latents: { k: 100_000_000 } }, /latents\.k: must be at most 4096/);
  refused({ latents: { m: 257 } }, /latents\.m: must be at most 256/);
  refused({ sample: { steps: 1e9 } }, /sample\.steps: must be at most 10000/);
  refused({ sample: { sampler: 'restart', restart: [{ tMin: 0.1, tMax: 1, K: 1e9, steps: 2 }] } }, /sample\.restart\.0\.K: must be at most 10000/);
  refused({ train: { seed: 2 ** 32 } }, /train\.seed: must be at most 4294967295/);
  refused({ train: { steps: 2e9 } }, /train\.steps: must be at most 1000000000/);
  refused({ train: { batch: 2 ** 21 } }, /train\.batch: must be at most 1048576/);
  refused({ prior: { batch: 2 ** 21 } }, /prior\.batch: must be at most 1048576/);
  refused({ data: { kind: 'toy', n: 1e9 } }, /data\.n: must be at most 100000000/);
  refused({ data: { kind: 'fashion-mnist', resolution: 2048 } }, /data\.resolution: must be at most 1024/);
  // The bounds themselves are accepted.
  const c = parseConfig({ ...base, latents: { k: LIMITS.codes, m: LIMITS.latents }, train: { seed: LIMITS.seed }, sample: { steps: LIMITS.sampleSteps } });
  assert.equal(c.train.seed, 2 ** 32 - 1);
});

test('sampling overrides are checked against the schema, naming the flag', () => {
  const s = SampleConfig.parse({});
  assert.throws(() => withOverrides(s, { steps: 1e9 }), /^Error: --steps: must be at most 10000$/);
  assert.throws(() => withOverrides(s, { restart: [{ tMin: 0.1, tMax: 1, K: 2e4, steps: 2 }] }), /^Error: --restart: must be at most 10000$/);
  assert.equal(withOverrides(s, { steps: 7 }).steps, 7);
});

const bin = join(import.meta.dirname, '..', '..', 'bin', 'disco-diff.js');
const dir = mkdtempSync(join(tmpdir(), 'dd-bounds-'));

/** Exit code 2 within seconds and exactly one line on stderr matching `re`. */
function failsWith(args: string[], re: RegExp): void {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `killed: ${args.join(' ')}`);
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
}

test('the CLI refuses absurd sizes, steps and seeds with one line and exit code 2', () => {
  const sample = ['sample', '--run', join(dir, 'none'), '--out', join(dir, 'x.npy')];
  failsWith([...sample, '--n', '5', '--steps', '1e9'], /--steps must be at most 10000, got '1e9'/);
  failsWith([...sample, '--n', '1e12'], /--n must be at most 1000000000, got '1e12'/);
  failsWith([...sample, '--n', '5', '--batch', '1e8'], /--batch must be at most 1048576/);
  failsWith([...sample, '--n', '5', '--seed', '4294967296'], /--seed must be at most 4294967295, got '4294967296'/);
  failsWith(['train', '--config', 'configs/toy-disco.yaml', '--out', join(dir, 'run'), '--set', 'latents.k=100000000'],
    /latents\.k: must be at most 4096/);
});

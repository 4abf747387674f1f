import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNpy } from '../../src/io/index.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'disco-diff.js');
const cli = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

/** Exit code 2 and exactly one line on stderr that matches `re`. */
function failsWith(args: string[], re: RegExp): void {
  const r = cli(...args);
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
}

const dir = mkdtempSync(join(tmpdir(), 'dd-cli-'));

test('--help lists every command', () => {
  const r = cli('--help');
  assert.equal(r.status, 0);
  for (const c of ['train', 'train-prior', 'sample', 'eval', 'plot', 'demo']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
});

test('bad inputs exit 2 with one clear line', () => {
  failsWith(['sample', '--run', join(dir, 'missing'), '--n', '4', '--out', join(dir, 'x.npy')], /run directory not found/);
  failsWith(['train', '--config', join(dir, 'nope.json'), '--out', join(dir, 'r')], /config file not found/);
  writeFileSync(join(dir, 'bad.json'), '{"data": {"kind": "toy"}, "model": {"kind": "mlp"}, "trian": {}}');
  failsWith(['train', '--config', join(dir, 'bad.json'), '--out', join(dir, 'r')], /invalid config.*trian/);
  writeFileSync(join(dir, 'broken.json'), '{"data": ');
  failsWith(['train', '--config', join(dir, 'broken.json'), '--out', join(dir, 'r')], /not valid JSON/);
  failsWith(['sample', '--run', dir, '--n', '-3', '--out', 'x.npy'], /--n must be a positive integer/);
  failsWith(['frobnicate'], /unknown command/);
});

test('train → train-prior → sample through the CLI', () => {
  const cfg = {
    data: { kind: 'toy', name: '8gaussians', n: 400 },
    model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
    latents: { m: 1, k: 8 },
    encoder: { kind: 'mlp', hidden: 32, layers: 2 },
    train: { steps: 5, batch: 64, logEvery: 5, checkpointEvery: 5 },
    prior: { steps: 5, batch: 64, dim: 16, layers: 1, heads: 2 },
    sample: { steps: 4 },
  };
  writeFileSync(join(dir, 'tiny.json'), JSON.stringify(cfg));
  const run = join(dir, 'run');
  let r = cli('train', '--config', join(dir, 'tiny.json'), '--out', run, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  failsWith(['sample', '--run', run, '--n', '4', '--out', join(dir, 's.npy')], /train-prior/);
  r = cli('train-prior', '--run', run, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  r = cli('sample', '--run', run, '--n', '6', '--out', join(dir, 's.npy'), '--latents-out', join(dir, 'z.npy'), '--sampler', 'euler');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(loadNpy(join(dir, 's.npy')).shape, [6, 2]);
  const z = loadNpy(join(dir, 'z.npy'));
  assert.deepEqual(z.shape, [6, 1]);
  assert.equal(z.dtype, 'int64');
  assert.ok(existsSync(join(run, 'prior.safetensors')));
  // Restart (σ grid 80, 9.72, 0.47, 0.002, 0): --restart implies it; NFE = 2·4 − 1 + 2·K·steps.
  const restart = (...a: string[]) => ['sample', '--run', run, '--n', '6', '--out', join(dir, 'r.npy'), ...a];
  r = cli(...restart('--restart', '0.5,3,2,1'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\(restart, 11 NFE,/);
  failsWith(restart('--restart', '0.5,3,2'), /--restart must be t_min,t_max,K,steps \(4 numbers\), got '0\.5,3,2'/);
  failsWith(restart('--sampler', 'heun', '--restart', '0.5,3,2,1'), /does not apply to --sampler heun/);
  failsWith(restart('--restart', '9,9.5,1,1'), /restart interval 0 \[t_min 9, t_max 9\.5\]: t_min snaps to .*σ_1 = 9\.72.*not below t_max/);
});

// Output paths are checked before any work (issue #27, M5, L10, L11): no output may be a file of
// the run being read (through a symlink, `..` or a hard link too), no two outputs may be one file,
// and a place that cannot take the file is refused before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutputs } from '../../src/cli/outputs.js';
import { parseConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { trainPrior } from '../../src/train/stage2.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'disco-diff.js');
const dir = mkdtempSync(join(tmpdir(), 'dd-outputs-'));

/** Exit code 2 and exactly one line on stderr that matches `re`. */
function failsWith(args: string[], re: RegExp): void {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
}

/** A directory holding the files of a run (their contents do not matter to the check). */
function fakeRun(name: string): string {
  const run = join(dir, name);
  mkdirSync(run);
  for (const f of ['checkpoint.safetensors', 'config.json', 'prior.safetensors', 'latents.npy', 'metrics.jsonl']) writeFileSync(join(run, f), f);
  return run;
}

test('a file of the run being read is refused, however the path reaches it', () => {
  const run = fakeRun('run');
  const out = (path: string, what = '--out') => () => checkOutputs([{ what, path }], [run]);
  assert.throws(out(join(run, 'checkpoint.safetensors')), /^Error: --out .*checkpoint\.safetensors is the checkpoint file of the run .*run being read: writing it would destroy the run/);
  assert.throws(out(join(run, 'prior.safetensors'), '--latents-out'), /--latents-out .* is the prior file of the run/);
  assert.throws(out(join(run, 'figures', '..', 'latents.npy')), /is the latents file of the run/);
  symlinkSync(join(run, 'config.json'), join(dir, 'link.json'));
  assert.throws(out(join(dir, 'link.json')), /link\.json is the config file of the run/);
  symlinkSync(run, join(dir, 'alias'));
  assert.throws(out(join(dir, 'alias', 'metrics.jsonl')), /is the metrics log of the run/);
  assert.throws(() => checkOutputs([{ what: '--out', path: join(run, 'prior.safetensors') }], [join(dir, 'alias')]), /is the prior file/);
  linkSync(join(run, 'checkpoint.safetensors'), join(dir, 'hard.safetensors'));
  assert.throws(out(join(dir, 'hard.safetensors')), /hard\.safetensors is the checkpoint file of the run/);
  assert.throws(out(run), /is the directory of the run/);
  // Anything else, in the run directory or not, is fine; so is a directory that does not exist yet.
  checkOutputs([{ what: '--out', path: join(run, 'samples.npy') }, { what: '--png', path: join(dir, 'new', 'deeper', 'x.png') }], [run]);
});

test('two outputs on one file are refused; a character device may take several', () => {
  const x = join(dir, 'x.npy');
  assert.throws(() => checkOutputs([{ what: '--out', path: x }, { what: '--latents-out', path: join(dir, 'sub', '..', 'x.npy') }]),
    /^Error: --out and --latents-out name one file \(.*x\.npy\): give each output its own path$/);
  checkOutputs([{ what: '--out', path: '/dev/null' }, { what: '--latents-out', path: '/dev/null' }]);
});

test('a place that cannot take the output is refused, naming the option', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  assert.throws(() => checkOutputs([{ what: '--png', path: join(file, 'x.png') }]), /^Error: cannot write --png .*a-file\/x\.png: .*a-file is not a directory$/);
  assert.throws(() => checkOutputs([{ what: '--png', path: join(file, 'deeper', 'x.png') }]), /a-file is not a directory/);
  assert.throws(() => checkOutputs([{ what: '--out', path: dir }]), /cannot write --out .*: it is a directory; give a file name/);
  assert.throws(() => checkOutputs([{ what: '--out', path: file, kind: 'directory' }]), /cannot write --out .*a-file: it exists and is not a directory/);
  checkOutputs([{ what: '--out', path: join(dir, 'demo'), kind: 'directory' }, { what: '--out', path: '/dev/null' }]);
});

test('sample, export and plot check their outputs before any work, and the run is left intact', async () => {
  const run = join(dir, 'toy');
  await trainStage1(parseConfig({
    data: { kind: 'toy', name: '8gaussians', n: 200 },
    model: { kind: 'mlp', hidden: 16, layers: 2, embDim: 8 },
    latents: { m: 1, k: 4 },
    encoder: { kind: 'mlp', hidden: 16, layers: 2 },
    train: { steps: 4, batch: 32, warmupSteps: 0, logEvery: 2, checkpointEvery: 2 },
    prior: { steps: 3, batch: 32, dim: 8, layers: 1, heads: 2 },
    sample: { steps: 4 },
  }), run, { quiet: true });
  await trainPrior(run, { quiet: true });
  const ck = join(run, 'checkpoint.safetensors'), prior = join(run, 'prior.safetensors');
  const before = [readFileSync(ck), readFileSync(prior)];
  const x = join(dir, 'samples.npy');
  const sample = ['sample', '--run', run, '--n', '4'];
  failsWith([...sample, '--out', ck], /--out .*checkpoint\.safetensors is the checkpoint file of the run/);
  failsWith([...sample, '--out', x, '--latents-out', prior], /--latents-out .*prior\.safetensors is the prior file of the run/);
  writeFileSync(join(dir, 'bad'), '');
  failsWith([...sample, '--out', x, '--png', join(dir, 'bad', 'x.png')], /cannot write --png .*bad\/x\.png: .*bad is not a directory/);
  assert.ok(!existsSync(x), 'nothing was written');
  failsWith(['export', '--format', 'edm', '--run', run, '--out', ck], /--out .*checkpoint\.safetensors is the checkpoint file of the run/);
  failsWith(['plot', '--run', run, '--baseline', join(dir, 'nope')], /^disco-diff: error: --baseline: run directory not found: .*nope$/);
  assert.ok(!existsSync(join(run, 'figures')), 'plot stopped before drawing');
  assert.deepEqual([readFileSync(ck), readFileSync(prior)], before, 'the run is intact');
});

// Stopping by a signal (issue #27, L16): the first SIGINT/SIGTERM/SIGHUP stops `train` after its step
// with a checkpoint, the lock released and one line, exit code 128 + the signal's number; `train-prior`
// stops keeping the run's earlier prior; a second signal ends the process at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/io/index.js';
import { Interrupted } from '../../src/train/signals.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'disco-diff.js');
const dir = mkdtempSync(join(tmpdir(), 'dd-signals-'));

test('Interrupted carries the shell\'s exit code of its signal', () => {
  assert.deepEqual((['SIGHUP', 'SIGINT', 'SIGTERM'] as const).map((s) => new Interrupted(s, 'x').exitCode), [129, 130, 143]);
});

test('the first signal is a stop request and gives the signal back its default action: a second ends the process at once', () => {
  // In a child: the test runner has signal listeners of its own.
  const script = join(dir, 'twice.mts');
  writeFileSync(script, `import { StopSignals } from ${JSON.stringify(join(root, 'src', 'train', 'signals.ts'))};
const count = () => ['SIGINT', 'SIGTERM', 'SIGHUP'].map((s) => process.listenerCount(s)).join(',');
const signals = StopSignals.listen();
console.log(count(), await signals.requested());
process.kill(process.pid, 'SIGHUP');
let got = null;
while (!got) got = await signals.requested();
console.log(count(), got);
process.kill(process.pid, 'SIGHUP');
await new Promise((r) => setTimeout(r, 5000));
console.log('still running');
`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.stdout, '1,1,1 null\n0,0,0 SIGHUP\n', r.stderr);
  assert.equal(r.signal, 'SIGHUP');
});

const cfg = {
  data: { kind: 'toy', name: '8gaussians', n: 2000 },
  model: { kind: 'mlp', hidden: 32, layers: 2, embDim: 16 },
  latents: { m: 1, k: 8 },
  encoder: { kind: 'mlp', hidden: 32, layers: 2 },
  train: { steps: 1_000_000, batch: 64, logEvery: 5, checkpointEvery: 1_000_000 },
  prior: { steps: 1_000_000, batch: 64, dim: 16, layers: 1, heads: 2 },
};

/** Runs the CLI with `args`, sends `signal` once `ready()` holds, and returns its exit code and stderr. */
async function interrupt(args: string[], ready: () => boolean, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const job = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  job.stderr.on('data', (d) => { stderr += d; });
  const closed = new Promise<number | null>((resolve) => job.on('close', resolve));
  const t0 = Date.now();
  while (!ready() && job.exitCode === null && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  job.kill(signal);
  return { code: await closed, stderr };
}

test('SIGINT during train: the step ends, a checkpoint is written, the lock released, one line, exit 130; SIGTERM during train-prior keeps no half prior', async () => {
  const cfgFile = join(dir, 'toy.json');
  writeFileSync(cfgFile, JSON.stringify(cfg));
  const run = join(dir, 'run');
  const t = await interrupt(['train', '--config', cfgFile, '--out', run, '--quiet'], () => existsSync(join(run, 'metrics.jsonl')), 'SIGINT');
  const line = /stopped by SIGINT at step (\d+); checkpoint written; resume with --resume/.exec(t.stderr);
  assert.ok(line, t.stderr);
  assert.equal(t.stderr.trim().split('\n').length, 1, t.stderr);
  assert.equal(t.code, 130, t.stderr);
  const ck = loadCheckpoint(join(run, 'checkpoint.safetensors'));
  assert.equal(ck.meta.step, Number(line[1]));
  ck.dispose();
  assert.ok(!existsSync(join(run, 'run.lock')), 'the run lock was left behind');

  const p = await interrupt(['train-prior', '--run', run, '--quiet'], () => existsSync(join(run, 'prior-next', 'prior-metrics.jsonl')), 'SIGTERM');
  assert.match(p.stderr, /stopped by SIGTERM at prior step \d+ of 1000000; the run keeps its earlier prior, if any; run train-prior again/);
  assert.equal(p.code, 143, p.stderr);
  assert.deepEqual(readdirSync(run).filter((f) => /prior|lock/.test(f)), [], 'a half prior or the lock was left behind');
});

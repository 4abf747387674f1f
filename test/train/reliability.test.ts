// Training reliability (issue #8): divergence and the last good checkpoint, the run-directory
// lock, resume with new settings, metrics after crashes, stray files, dtype checks on load,
// non-finite outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { trainPrior } from '../../src/train/stage2.js';
import { loadPrior, loadRun } from '../../src/train/load-run.js';
import { generate } from '../../src/disco/sample.js';
import { writeEvalMetrics } from '../../src/eval/metrics-file.js';
import { liveTensors, nonFiniteSummary } from '../../src/engine/index.js';
import { loadCheckpoint, loadSafetensors, saveSafetensors } from '../../src/io/index.js';

const tiny = (train: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => parseConfig({
  data: { kind: 'toy', name: '8gaussians', n: 400 },
  model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
  latents: { m: 1, k: 4 },
  encoder: { kind: 'mlp', hidden: 32, layers: 2 },
  train: { steps: 20, batch: 64, lr: 1e-3, warmupSteps: 0, logEvery: 5, checkpointEvery: 5, seed: 1, ...train },
  prior: { steps: 20, batch: 64, dim: 16, layers: 1, heads: 2 },
  ...extra,
});
const quiet = { quiet: true };
const fresh = () => mkdtempSync(join(tmpdir(), 'dd-rel-'));
const rows = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const stepOf = (dir: string) => {
  const ck = loadCheckpoint(join(dir, 'checkpoint.safetensors'));
  try { return { step: ck.meta.step as number, bad: nonFiniteSummary(ck.tensors) }; } finally { ck.dispose(); }
};
/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

test('divergence names the last good checkpoint: it exists, is finite, and a resume with a lower lr completes', async () => {
  const dir = join(fresh(), 'run');
  // lr 100 with no warm-up wrecks the weights in one step: no checkpoint may be named.
  await assert.rejects(trainStage1(tiny({ lr: 100, checkpointEvery: 1 }), dir, quiet), /diverged at step 2: .*No checkpoint was saved yet/);
  assert.ok(!existsSync(join(dir, 'checkpoint.safetensors')));
  // A sound start, then lr 100: the error names the checkpoint of the last step whose weights were sound.
  await trainStage1(tiny({ steps: 10, checkpointEvery: 1 }), dir, quiet);
  const err = await trainStage1(tiny({ lr: 100, checkpointEvery: 1 }), dir, { quiet: true, resume: true }).then(() => null, (e: Error) => e);
  assert.ok(err, 'lr 100 must diverge');
  const named = /last good checkpoint is (\S+) \(step (\d+)\)/.exec(err.message);
  assert.ok(named, err.message);
  assert.ok(existsSync(named[1]!));
  assert.deepEqual(stepOf(dir), { step: Number(named[2]), bad: null });
  const r = await trainStage1(tiny({ lr: 1e-3, checkpointEvery: 1 }), dir, { quiet: true, resume: true });
  assert.equal(r.step, 20);
  assert.ok(r.losses.every(Number.isFinite));
});

test('a plain DM resumes whatever its latent-only keys say (a default of them may change); switching latents on is refused', async () => {
  const dir = join(fresh(), 'dm');
  const dm = (steps: number, model: object, latents: object) =>
    tiny({ steps }, { model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16, ...model }, latents: { m: 1, k: 4, enabled: false, ...latents } });
  await trainStage1(dm(10, { codeModes: 1, codeCovariance: 'isotropic' }, {}), dir, quiet);
  const r = await trainStage1(dm(15, { codeModes: 2, codeCovariance: 'auto', latentInput: 'embedding' }, { k: 8 }), dir, { quiet: true, resume: true });
  assert.equal(r.step, 15);
  await assert.rejects(trainStage1(dm(20, {}, { enabled: true }), dir, { quiet: true, resume: true }), /--resume cannot change .*latents\.enabled \(false → true\)/);
});

test('resume takes new training settings, refuses model/data changes by key, and records what changed', async () => {
  const dir = join(fresh(), 'run');
  await trainStage1(tiny({ steps: 10 }), dir, quiet);
  for (const [cfg, key] of [[tiny({ steps: 20 }, { model: { kind: 'mlp', hidden: 48, layers: 3, embDim: 16 } }), /model\.hidden \(32 → 48\)/],
    [tiny({ steps: 20 }, { latents: { m: 1, k: 8 } }), /latents\.k/], [tiny({ steps: 20, seed: 5 }), /train\.seed/]] as const) {
    await assert.rejects(trainStage1(cfg, dir, { quiet: true, resume: true }), new RegExp(`--resume cannot change .*${key.source}`));
  }
  await assert.rejects(trainStage1(tiny({ steps: 5 }), dir, { quiet: true, resume: true }), /train\.steps 5 is below the step 10/);
  const r = await trainStage1(tiny({ steps: 20, lr: 5e-4, logEvery: 4 }), dir, { quiet: true, resume: true });
  assert.equal(r.step, 20);
  assert.equal(r.losses.length, 10);
  const log = rows(dir);
  const noted = log.filter((row) => row.configChange);
  assert.equal(noted.length, 1);
  assert.equal(noted[0].step, 12, 'the first row logged after the resume');
  assert.deepEqual(noted[0].configChange, { step: 10, changed: { 'train.steps': [10, 20], 'train.lr': [1e-3, 5e-4], 'train.logEvery': [5, 4] } });
  assert.equal(log.at(-1).lr, 5e-4);
  const history = readFileSync(join(dir, 'config-history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(history.map((h) => [h.step, h.config.train.lr]), [[0, 1e-3], [10, 5e-4]]);
  assert.equal(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).train.lr, 5e-4);
});

test('resume cuts metrics.jsonl back to the checkpoint and repairs a partial last line; a fresh run drops a dead run\'s rows', async () => {
  const dir = join(fresh(), 'run');
  await trainStage1(tiny(), dir, { quiet: true, stopAt: 13 });
  // What a kill after step 13 leaves: rows of steps the checkpoint does not hold, and half a row.
  appendFileSync(join(dir, 'metrics.jsonl'), '{"step":15,"loss":1}\n{"step":20,"loss":1}\n{"step":2');
  await trainStage1(tiny(), dir, { quiet: true, resume: true });
  assert.deepEqual(rows(dir).map((r) => r.step), [5, 10, 13, 15, 20]);
  assert.ok(rows(dir).every((r) => r.lossBySigma), 'only real rows remain');

  const dead = join(fresh(), 'dead');
  mkdirSync(dead);
  writeFileSync(join(dead, 'metrics.jsonl'), '{"step":5,"loss":9}\n{"step":10,"loss":9}\n');
  await trainStage1(tiny({ steps: 10 }), dead, quiet);
  assert.deepEqual(rows(dead).map((r) => [r.step, r.loss === 9]), [[5, false], [10, false]]);
});

test('one writer per run directory: a live lock refuses, a stale one is taken over, and the lock goes with the run', async () => {
  const base = fresh();
  // Two trainings into one directory from one process: the second finds the first's lock.
  const dir = join(base, 'a');
  const results = await Promise.allSettled([trainStage1(tiny(), dir, quiet), trainStage1(tiny(), dir, quiet)]);
  assert.equal(results[0].status, 'fulfilled');
  assert.equal(results[1].status, 'rejected');
  assert.match(String((results[1] as PromiseRejectedResult).reason), new RegExp(`in use by \`train\` \\(pid ${process.pid} on `));
  assert.ok(!existsSync(join(dir, 'run.lock')), 'released when done');

  const lockOf = (pid: number, host = hostname()) => JSON.stringify({ pid, host, command: 'train', since: 'earlier' });
  const held = join(base, 'held');
  mkdirSync(held);
  const sleeper = spawn('sleep', ['30']);
  try {
    writeFileSync(join(held, 'run.lock'), lockOf(sleeper.pid!));
    await assert.rejects(trainStage1(tiny(), held, quiet), new RegExp(`in use by .*pid ${sleeper.pid}`));
  } finally {
    sleeper.kill();
  }
  writeFileSync(join(held, 'run.lock'), lockOf(deadPid(), 'elsewhere'));
  await assert.rejects(trainStage1(tiny(), held, quiet), /on elsewhere.*if that process is gone, delete .*run\.lock/);
  // A lock (and a temp file) of a process that is gone: taken over and cleaned.
  const pid = deadPid();
  writeFileSync(join(held, 'run.lock'), lockOf(pid));
  writeFileSync(join(held, `checkpoint.safetensors.tmp-${pid}`), 'half a checkpoint');
  const r = await trainStage1(tiny({ steps: 5 }), held, quiet);
  assert.equal(r.step, 5);
  assert.deepEqual(readdirSync(held).filter((f) => f.includes('.tmp-') || f === 'run.lock'), []);
});

test('bad budgets and failed starts: --minutes must be > 0, a tiny budget still saves a step, a failed run leaves no directory', async () => {
  const base = fresh();
  await assert.rejects(trainStage1(tiny(), join(base, 'neg'), { quiet: true, maxMinutes: -1 }), /positive number of minutes/);
  assert.ok(!existsSync(join(base, 'neg')));
  const r = await trainStage1(tiny(), join(base, 'tiny'), { quiet: true, maxMinutes: 1e-9 });
  assert.equal(r.step, 1);
  assert.equal(stepOf(join(base, 'tiny')).step, 1);
  const images = parseConfig({ ...tiny(), data: { kind: 'image-folder', path: join(base, 'no-images') },
    model: { kind: 'unet' }, latents: { enabled: false } });
  await assert.rejects(trainStage1(images, join(base, 'img'), quiet), /image folder not found/);
  assert.ok(!existsSync(join(base, 'img')), 'no empty run directory left behind');
});

test('a checkpoint whose header dtype was edited is refused on load and on resume, naming the tensor', async () => {
  const dir = join(fresh(), 'run');
  await trainStage1(tiny({ steps: 5 }), dir, quiet);
  const path = join(dir, 'checkpoint.safetensors');
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = buf.subarray(8, 8 + n).toString('utf8');
  const key = 'ema.denoiser.net.noise.fc1.weight';
  const edited = header.replace(new RegExp(`("${key.replace(/\./g, '\\.')}":\\{"dtype":)"F32"`), '$1"I32"');
  assert.notEqual(edited, header);
  writeFileSync(path, Buffer.concat([buf.subarray(0, 8), Buffer.from(edited, 'utf8'), buf.subarray(8 + n)]));
  assert.equal(loadSafetensors(path).tensors.get(key)!.dtype, 'int32', 'the file itself is readable');
  assert.throws(() => loadRun(dir), /dtype mismatch for denoiser\.net\.noise\.fc1\.weight: checkpoint int32 vs model float32/);
  await assert.rejects(trainStage1(tiny({ steps: 10 }), dir, { quiet: true, resume: true }), /EMA state: dtype mismatch/);
  // NaN weights written behind the library's back are named as well.
  const { tensors, metadata } = loadSafetensors(path);
  tensors.set(key, tensors.get(key)!.float().fill_(NaN));
  saveSafetensors(path, tensors, metadata);
  assert.throws(() => loadRun(dir), /non-finite values in the EMA weights of .*checkpoint\.safetensors: denoiser\.net\.noise\.fc1\.weight \(\d+ NaN of/);
  await assert.rejects(trainStage1(tiny({ steps: 10 }), dir, { quiet: true, resume: true }), /non-finite values in checkpoint .*ema\.denoiser/);
});

test('outputs are checked: non-finite samples and metrics are errors naming them; a new prior replaces its log', async () => {
  const dir = join(fresh(), 'run');
  await trainStage1(tiny({ steps: 5 }), dir, quiet);
  await trainPrior(dir, quiet);
  await trainPrior(dir, quiet);
  assert.deepEqual(readFileSync(join(dir, 'prior-metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step), [20]);
  const L = loadRun(dir);
  const prior = loadPrior(L.run, L.cfg, 0);
  const live = liveTensors();
  assert.throws(() => generate(L.model, L.info, { n: 8, seed: 0, sample: { ...L.cfg.sample, guidance: -1e300 },
    prior: { model: prior, temperature: L.cfg.prior.temperature } }),
    /sampling produced non-finite samples \(16 (NaN|inf) of 16 values; sample\.guidance -1e\+300, heun 50 steps\)/);
  assert.equal(liveTensors(), live, 'nothing is left behind');
  assert.throws(() => generate(L.model, L.info, { n: 8, seed: 0, sample: L.cfg.sample, prior: { model: prior, temperature: 0 } }),
    /prior temperature must be a positive number, got 0/);
  prior.dispose();
  L.model.dispose();
  const file = join(dir, 'metrics.json');
  assert.throws(() => writeEvalMetrics(file, { w2: NaN, lowNfe: { heun3: 1, heun5: Infinity }, curve: [1, -Infinity] }),
    /non-finite metrics, .*metrics\.json not written: w2 = NaN, lowNfe\.heun5 = Infinity, curve\[1\] = -Infinity/);
  assert.ok(!existsSync(file));
});

// The CLI on the probe's worst cases (issue #8): NaN weights and samples, concurrent writers,
// resume with new settings, kill -9, and bad inputs that must exit 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { trainPrior } from '../../src/train/stage2.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'disco-diff.js');
const run = (args: string[], timeout = 120_000) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout });

/** Exit code 2 (well within the time limit) and exactly one line on stderr that matches `re`. */
function failsWith(args: string[], re: RegExp, timeout?: number): void {
  const r = run(args, timeout);
  assert.equal(r.signal, null, `killed after the time limit: ${args.join(' ')}`);
  assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
}

const dir = mkdtempSync(join(tmpdir(), 'dd-cli-rel-'));
const raw = (sample: Record<string, unknown> = {}, latents = true) => ({
  data: { kind: 'toy', name: '8gaussians', n: 400 },
  model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16 },
  latents: { enabled: latents, m: 1, k: 4 },
  encoder: { kind: 'mlp', hidden: 32, layers: 2 },
  train: { steps: 10, batch: 64, warmupSteps: 0, logEvery: 5, checkpointEvery: 5 },
  prior: { steps: 5, batch: 64, dim: 16, layers: 1, heads: 2 },
  sample: { steps: 4, ...sample },
});
const cfgFile = join(dir, 'tiny.json');
writeFileSync(cfgFile, JSON.stringify(raw()));

/** A trained run with its prior, built in-process (cheaper than through the CLI). */
async function trainedRun(name: string, cfg = raw()): Promise<string> {
  const out = join(dir, name);
  await trainStage1(parseConfig(cfg), out, { quiet: true });
  if (cfg.latents.enabled) await trainPrior(out, { quiet: true });
  return out;
}

test('NaN weights and NaN samples: eval, plot and sample exit 2 within seconds, naming what is not finite', async () => {
  const poisoned = await trainedRun('nan');
  const ck = join(poisoned, 'checkpoint.safetensors');
  const { tensors, metadata } = loadSafetensors(ck);
  for (const [k, t] of tensors) if (k.startsWith('ema.')) t.fill_(NaN);
  saveSafetensors(ck, tensors, metadata);
  const weights = /non-finite values in the EMA weights of .*checkpoint\.safetensors: denoiser\.\S+ \(\d+ NaN of \d+ values\)/;
  failsWith(['eval', '--run', poisoned, '--n', '200'], weights, 60_000);
  failsWith(['sample', '--run', poisoned, '--n', '20', '--out', join(dir, 'nan.npy')], weights, 60_000);
  assert.ok(!existsSync(join(dir, 'nan.npy')));

  // A guidance the schema accepts but that overflows: the samples are checked, the W2 solver never sees NaN.
  const wild = await trainedRun('guidance', raw({ guidance: -1e300 }));
  const samples = /sampling produced non-finite samples \(\d+ (NaN|inf) .*sample\.guidance -1e\+300/;
  failsWith(['sample', '--run', wild, '--n', '20', '--out', join(dir, 'g.npy')], samples, 60_000);
  failsWith(['eval', '--run', wild, '--n', '200'], samples, 60_000);
  failsWith(['plot', '--run', wild], samples, 60_000);
});

test('two concurrent trains into one --out: one is refused', async () => {
  const out = join(dir, 'twice');
  const args = ['train', '--config', cfgFile, '--out', out, '--steps', '300', '--quiet'];
  const go = () => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [bin, ...args]);
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => resolve({ code, stderr }));
  });
  const results = await Promise.all([go(), go()]);
  assert.deepEqual(results.map((r) => r.code).sort(), [0, 2], JSON.stringify(results));
  assert.match(results.find((r) => r.code === 2)!.stderr, /is in use by `train` \(pid \d+ on .*one writer per run directory/);
  assert.equal(JSON.parse(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').at(-1)!).step, 300);
});

test('--resume --steps continues to the new step count with the run\'s own config; a broken config.json is named', async () => {
  const out = await trainedRun('resume', { ...raw(), latents: { enabled: false, m: 1, k: 4 } });
  const r = run(['train', '--out', out, '--resume', '--steps', '30', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /trained 30 steps/);
  writeFileSync(join(out, 'config.json'), '{"data": ');
  failsWith(['train', '--out', out, '--resume', '--steps', '40'], /config file .*resume\/config\.json is not valid JSON/);
  failsWith(['train', '--out', join(dir, 'nothing-here'), '--resume'], /run directory not found/);
  failsWith(['train', '--out', out], /--config is required/);
});

test('after kill -9 and a resume, metrics.jsonl steps are strictly increasing', async () => {
  const out = join(dir, 'killed');
  const p = spawn(process.execPath, [bin, 'train', '--config', cfgFile, '--out', out, '--steps', '100000', '--quiet',
    '--set', 'train.checkpointEvery=20']);
  const metrics = join(out, 'metrics.jsonl');
  const deadline = Date.now() + 60_000;
  while ((!existsSync(metrics) || readFileSync(metrics, 'utf8').split('\n').length < 12) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  p.kill('SIGKILL');
  await new Promise((r) => p.on('close', r));
  assert.ok(existsSync(join(out, 'run.lock')), 'the killed writer left its lock');
  const cfg = loadConfig(join(out, 'config.json'));
  const ck = loadSafetensors(join(out, 'checkpoint.safetensors'));
  cfg.train.steps = JSON.parse(ck.metadata.meta!).step + 12;
  for (const t of ck.tensors.values()) t.dispose();
  await trainStage1(cfg, out, { quiet: true, resume: true });
  const steps = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);
  assert.ok(steps.every((s, i) => i === 0 || s > steps[i - 1]!), `steps ${steps.join(',')}`);
  assert.equal(steps.at(-1), cfg.train.steps);
});

test('bad inputs exit 2 with one clear line, before anything is written', async () => {
  const disco = join(dir, 'nan');   // trained by the first test (its weights are NaN; options are checked first)
  const edm = await trainedRun('edm', { ...raw(), latents: { enabled: false, m: 1, k: 4 } });
  const out = join(dir, 'out.npy');
  failsWith(['sample', '--run', disco, '--n', '4', '--out', out, '--prior-temperature', '0'], /--prior-temperature must be a positive number, got '0'/);
  failsWith(['sample', '--run', disco, '--n', '4', '--out', out, '--prior-temperature', '-1'], /--prior-temperature must be a positive/);
  failsWith(['train', '--config', cfgFile, '--out', join(dir, 'm'), '--minutes', '-1'], /--minutes must be a positive number/);
  failsWith(['sample', '--run', edm, '--n', '4', '--out', out, '--class', '1'], /--class: this run is not class-conditional/);
  failsWith(['sample', '--run', edm, '--n', '4', '--out', out, '--latents-out', join(dir, 'z.npy')], /--latents-out: this run has no latents/);
  assert.ok(!existsSync(out), '--out is not written when an option is wrong');
  const r = run(['sample', '--run', edm, '--n', '4', '--out', dir]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot write .*dd-cli-rel-\w+: it is a directory/);

  writeFileSync(join(dir, 'heads.json'), JSON.stringify({ ...raw(), prior: { dim: 10, heads: 4 } }));
  failsWith(['train', '--config', join(dir, 'heads.json'), '--out', join(dir, 'h')], /prior\.heads: must divide prior\.dim/);
  writeFileSync(join(dir, 'sigma.json'), JSON.stringify(raw({ sigmaMin: 5, sigmaMax: 1 })));
  failsWith(['train', '--config', join(dir, 'sigma.json'), '--out', join(dir, 'h')], /sample\.sigmaMin: must be below sample\.sigmaMax/);
  assert.ok(!existsSync(join(dir, 'h')));

  const hollow = join(dir, 'hollow');
  cpSync(edm, hollow, { recursive: true });
  rmSync(join(hollow, 'checkpoint.safetensors'));
  mkdirSync(join(hollow, 'checkpoint.safetensors'));
  failsWith(['sample', '--run', hollow, '--n', '4', '--out', out], /safetensors file .*hollow\/checkpoint\.safetensors is a directory/);
});

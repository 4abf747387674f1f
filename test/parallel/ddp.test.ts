// Data-parallel training over libtorch's c10d (issue #10), through `disco-diff … --nproc 2` on
// loopback: Stage I ends with the parameters of one process with the whole batch and resumes
// exactly; Stage II and eval in 2 processes give the results of one; a worker killed or frozen
// mid-run ends the whole job with an error that names it; a one-machine job listens on no
// address outside loopback, and Ctrl-C stops it after a step with a checkpoint (issue #27).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { loadCheckpoint } from '../../src/io/index.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { trainPrior } from '../../src/train/stage2.js';
import { evaluateRun } from '../../src/eval/commands.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'disco-diff.js');
const cli = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), 'dd-ddp-'));

// EMA codebook refits and code restarts use the whole batch's points and codes: both are gathered.
const cfg = {
  data: { kind: 'toy', name: '8gaussians', n: 2000 },
  model: { kind: 'mlp', hidden: 64, layers: 3, embDim: 16 },
  latents: { m: 1, k: 8, restartEvery: 20 },
  encoder: { kind: 'mlp', hidden: 64, layers: 2 },
  train: { steps: 50, batch: 128, warmupSteps: 10, logEvery: 10, checkpointEvery: 20, dtype: 'float64' },
  prior: { steps: 30, batch: 64, dim: 16, layers: 1, heads: 2 },
  sample: { steps: 6 },
};
const cfgFile = join(dir, 'toy.json');
writeFileSync(cfgFile, JSON.stringify(cfg));

/** Largest difference between two runs' checkpoints: weights (float64), EMA, Adam moments, RNG states. */
function maxDifference(a: string, b: string): number {
  const [x, y] = [loadCheckpoint(join(a, 'checkpoint.safetensors')), loadCheckpoint(join(b, 'checkpoint.safetensors'))];
  try {
    assert.equal(x.meta.step, y.meta.step);
    let max = 0;
    for (const [k, t] of x.tensors) {
      const u = t.toFlatArray(), v = y.tensors.get(k)!.toFlatArray();
      if (k.startsWith('model.')) assert.equal(t.dtype, 'float64', k);
      u.forEach((e, i) => { max = Math.max(max, Math.abs(e - v[i]!)); });
    }
    return max;
  } finally {
    x.dispose();
    y.dispose();
  }
}

const rows = (run: string) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

const one = join(dir, 'one');
before(() => trainStage1(parseConfig(cfg), one, { quiet: true }));

test('2 processes train the toy model to the parameters of 1 process with the same batches (float64, ≤ 1e-9)', async () => {
  const two = join(dir, 'two');
  const r = cli(['train', '--config', cfgFile, '--out', two, '--nproc', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /launching 2 workers \(ranks 0–1 of 2\)/);
  assert.match(r.stdout, /trained 50 steps/);
  assert.ok(maxDifference(one, two) <= 1e-9, `max difference ${maxDifference(one, two)}`);
  const [a, b] = [rows(one), rows(two)];
  assert.deepEqual(b.map((row) => row.worldSize), [2, 2, 2, 2, 2]);
  assert.ok(b.every((row) => Number.isInteger(row.threads) && row.threads >= 1));
  b.forEach((row, i) => assert.ok(Math.abs(row.loss - a[i].loss) <= 1e-9 * a[i].loss, `step ${row.step}: ${row.loss} vs ${a[i].loss}`));
});

test('a 2-process run stopped by its time budget resumes exactly', async () => {
  const out = join(dir, 'resumed');
  let r = cli(['train', '--config', cfgFile, '--out', out, '--nproc', '2', '--minutes', '0.002', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const ck = loadCheckpoint(join(out, 'checkpoint.safetensors'));
  const stopped = ck.meta.step as number;
  ck.dispose();
  assert.ok(stopped >= 1 && stopped < 50, `the budget should stop the run early, it stopped at step ${stopped}`);
  r = cli(['train', '--out', out, '--resume', '--nproc', '2', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(maxDifference(one, out) <= 1e-9, `max difference ${maxDifference(one, out)} after stopping at step ${stopped}`);
});

test('Stage II and eval in 2 processes: the same codes, prior loss and metrics as in 1', async () => {
  const [a, b] = [join(dir, 'stage2-one'), join(dir, 'stage2-two')];
  cpSync(one, a, { recursive: true });
  cpSync(one, b, { recursive: true });
  const single = await trainPrior(a, { quiet: true });
  let r = cli(['train-prior', '--run', b, '--nproc', '2', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(readFileSync(join(a, 'latents.npy')).equals(readFileSync(join(b, 'latents.npy'))), 'the extracted codes differ');
  const loss = Number(/prior trained: loss ([\d.]+) nats/.exec(r.stdout)?.[1]);
  assert.ok(Math.abs(loss - single.finalLoss) < 1e-3, `prior loss ${loss} vs ${single.finalLoss}`);
  const m1 = await evaluateRun(b, { n: 300 });
  r = cli(['eval', '--run', b, '--n', '300', '--nproc', '2']);
  assert.equal(r.status, 0, r.stderr);
  const m2 = JSON.parse(readFileSync(join(b, 'metrics.json'), 'utf8'));
  for (const key of ['w2', 'offMode', 'purity']) assert.ok(Math.abs(m2[key] - (m1[key] as number)) <= 1e-6, `${key}: ${m2[key]} vs ${m1[key]}`);
});

/** The pid of the child of `parent` whose environment has RANK=`rank`, once it exists. */
function workerPid(parent: number, rank: number): number | null {
  const r = spawnSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' });
  for (const pid of r.stdout.trim().split('\n').filter(Boolean).map(Number)) {
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`RANK=${rank}`)) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts `train … --nproc 2` into `out` and resolves once training runs (the first metrics row), with the workers' pids. */
async function startJob(out: string, extra: string[] = []) {
  const job = spawn(process.execPath, [bin, 'train', '--config', cfgFile, '--out', out, '--nproc', '2', '--steps', '1000000', '--quiet', ...extra]);
  let stderr = '';
  job.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => job.on('close', resolve));
  const t0 = Date.now();
  while (!existsSync(join(out, 'metrics.jsonl')) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
  const workers = [workerPid(job.pid!, 0), workerPid(job.pid!, 1)];
  assert.ok(workers.every((p) => p !== null), `workers ${workers}: ${stderr}`);
  return { job, exited, workers: workers as number[], stderr: () => stderr };
}

/** The TCP sockets of `pid` (from /proc): local address in hex and state ('0A': listening). */
function tcpSockets(pid: number): { local: string; state: string }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return ['tcp', 'tcp6'].flatMap((f) => readFileSync(`/proc/net/${f}`, 'utf8').trim().split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/)).filter((c) => inodes.has(c[9]!)).map((c) => ({ local: c[1]!, state: c[3]! })));
}
/** 127.0.0.1 (tcp), ::ffff:127.0.0.1 and ::1 (tcp6), any port. */
const LOOPBACK = /^(0100007F|0000000000000000FFFF00000100007F|00000000000000000000000001000000):/;

test('a one-machine job binds loopback only, and Ctrl-C stops it after a step with a checkpoint', async () => {
  const out = join(dir, 'interrupted');
  const { job, exited, workers, stderr } = await startJob(out);
  const sockets = [job.pid!, ...workers].flatMap(tcpSockets);
  assert.ok(sockets.length > 0, 'Gloo connects the workers over TCP');
  assert.deepEqual(sockets.filter((s) => !LOOPBACK.test(s.local)), [], 'a socket is bound outside loopback');
  job.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stderr());
  const step = Number(/stopped by SIGINT at step (\d+); checkpoint written; resume with --resume/.exec(stderr())?.[1]);
  const ck = loadCheckpoint(join(out, 'checkpoint.safetensors'));
  assert.equal(ck.meta.step, step, stderr());
  ck.dispose();
  assert.ok(!workers.some(alive), 'a worker outlived the job');
  assert.ok(!existsSync(join(out, 'run.lock')), 'the run lock was left behind');
});

test('killing one worker ends the job with an error naming its rank on every rank, and leaves no process', async () => {
  const out = join(dir, 'killed');
  const { exited, workers, stderr } = await startJob(out);
  const killedAt = Date.now();
  process.kill(workers[1]!, 'SIGKILL');
  const code = await exited;
  assert.equal(code, 2, stderr());
  assert.ok(Date.now() - killedAt < 20_000, `the job took ${Date.now() - killedAt} ms to end`);
  const lines = stderr().trim().split('\n').filter((l) => l.startsWith('disco-diff: error:'));
  assert.match(lines.join('\n'), /error: rank 1 was killed by SIGKILL \(pid \d+\) — rank 0 stopped in /);
  assert.match(lines.at(-1)!, /the job failed: rank 1 was killed by SIGKILL; rank 0 stopped after it/);
  assert.ok(!workers.some(alive), 'a worker outlived the job');
  assert.ok(!existsSync(join(out, 'run.lock')), 'the run lock was left behind');
});

test('a frozen worker is named as such, with its pid, and killed at once', async () => {
  const out = join(dir, 'frozen');
  const { exited, workers, stderr } = await startJob(out, ['--dist-timeout', '5']); // a heartbeat still for 5 s: frozen
  const frozenAt = Date.now();
  process.kill(workers[1]!, 'SIGSTOP');
  const code = await exited;
  assert.equal(code, 2, stderr());
  assert.match(stderr().trim().split('\n').at(-1)!,
    new RegExp(`the job failed: rank 1 \\(pid ${workers[1]}\\) stopped sending heartbeats for \\d+ s and was killed; rank 0 stopped after it$`));
  assert.ok(Date.now() - frozenAt < 15_000, `the job took ${Date.now() - frozenAt} ms to end (the launcher's grace is 15 s)`);
  assert.ok(!workers.some(alive), 'a worker outlived the job');
});

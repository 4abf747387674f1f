// The GPU device check's dry run (scripts/device-check.sh --cpu): everything but CUDA, on the
// existing addon, so that the script a GPU session runs keeps working where no GPU is.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Section { name: string; ok: boolean; [k: string]: unknown }
interface Report {
  ok: boolean; failed: string[];
  env: { mode: string; build: string; libtorch: { cuda: boolean; backends: string[] } };
  check: { device: string; sections: Section[] };
  group: { backends: string[]; sections: Section[] };
  bench: { results: { config: string; ok: boolean; params: number; rows: { batch: number; ours_ms: number; torch_ms: number; ratio: number;
    ours_images_per_s: number; ours_peak_bytes: number; torch_peak_bytes: number; memory_ratio: number }[] }[] };
}

const out = mkdtempSync(join(tmpdir(), 'device-check-test-'));
let report: Report;
let stdout = '';
let seconds = 0;

before(() => {
  const t0 = Date.now();
  const r = spawnSync('bash', ['scripts/device-check.sh', '--cpu'], { encoding: 'utf8', env: { ...process.env, OUT: out }, timeout: 120_000 });
  seconds = (Date.now() - t0) / 1000;
  stdout = r.stdout;
  assert.equal(r.status, 0, `the dry run failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`);
  report = JSON.parse(readFileSync(join(out, 'device-check.json'), 'utf8')) as Report;
  rmSync(out, { recursive: true, force: true });
});

test('the dry run keeps the existing addon, passes every part, and prints the table', () => {
  assert.equal(report.env.mode, 'cpu');
  assert.equal(report.env.build, 'existing');
  assert.equal(report.env.libtorch.cuda, false);
  assert.deepEqual(report.failed, []);
  assert.ok(report.ok);
  assert.match(stdout, /all parts passed/);
  assert.match(stdout, /fmnist-edm-large\.yaml\s+2\s/);
  assert.ok(seconds < 60, `the dry run took ${seconds.toFixed(0)} s`);
});

test('CPU against CPU, every op, gradient and forward agrees exactly', () => {
  const names = report.check.sections.map((s) => s.name);
  for (const want of ['op conv2d', 'op group_norm', 'op attention', 'exact ops', 'unet stage-1 step', 'sampling', 'save/load', 'prior']) {
    assert.ok(names.includes(want), `no section '${want}' in ${names.join(', ')}`);
  }
  for (const s of report.check.sections.filter((x) => x.name.startsWith('op '))) {
    assert.equal(s.out_rel_diff, 0, s.name);
    assert.equal(s.grad_rel_diff, 0, s.name);
  }
  const step = report.check.sections.find((s) => s.name === 'unet stage-1 step')!;
  assert.equal(step.forward_rel_diff, 0);
  assert.ok((step.param_change as number) > 0, 'Adam moved no parameter');
  assert.ok((step.losses as number[]).every((l) => Number.isFinite(l) && l > 0));
  assert.deepEqual(report.check.sections.find((s) => s.name === 'prior')!.shape, [5, 4]);
});

test('gloo groups: world size 1 all-reduces to itself, two ranks to 1 + 2, and all-gather stacks ranks', () => {
  assert.ok(report.group.backends.includes('gloo'));
  const [one, two] = report.group.sections;
  assert.deepEqual(one!.allreduce, [1, 1, 1, 1]);
  assert.deepEqual(one!.allgather, [0, 0]);
  for (const r of two!.ranks as { allreduce: number[]; allgather: number[] }[]) {
    assert.deepEqual(r.allreduce, [3, 3, 3, 3]);
    assert.deepEqual(r.allgather, [0, 0, 1, 1]);
  }
});

test('the benchmark compares the same network on both sides, with consistent ratios', () => {
  const results = report.bench.results;
  assert.deepEqual(results.map((r) => r.config), ['configs/fmnist-disco.yaml', 'configs/fmnist-edm-large.yaml']);
  for (const r of results) {
    assert.ok(r.ok && r.params > 0, r.config);
    const [w] = r.rows;
    assert.equal(w!.batch, 2);
    assert.ok(Math.abs(w!.ratio - w!.ours_ms / w!.torch_ms) < 1e-12);
    assert.ok(Math.abs(w!.ours_images_per_s - 2000 / w!.ours_ms) < 1e-9);
    assert.ok(Math.abs(w!.memory_ratio - w!.ours_peak_bytes / w!.torch_peak_bytes) < 1e-12);
  }
});

test('an unknown flag is refused with the usage line', () => {
  const r = spawnSync('bash', ['scripts/device-check.sh', '--gpu'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage: bash scripts\/device-check\.sh \[--cpu\]/);
});

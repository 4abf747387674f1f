// Long loops stay bounded: 2,000 Adam steps of a small MLP inside tidy, in a child process so
// the RSS figure is this loop's alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./fixtures/adam-loop.ts', import.meta.url));

test('2,000 Adam steps under tidy: RSS grows < 100 MB after warm-up and no tensor leaks', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, '2000', '200'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `child failed (${r.signal ?? r.status}): ${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rss0: number; rss1: number; live0: number; live1: number; loss: number };
  const growthMB = (m.rss1 - m.rss0) / 2 ** 20;
  assert.equal(m.live1, m.live0, `live tensors went ${m.live0} → ${m.live1}`);
  assert.ok(growthMB < 100, `RSS grew ${growthMB.toFixed(1)} MB over 1,800 steps`);
  assert.ok(Number.isFinite(m.loss) && m.loss < 1, `training diverged: loss ${m.loss}`);
});

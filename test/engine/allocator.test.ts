// own-process: reads the process-wide block cache's statistics
// The CPU block cache (native/allocator.cc): large buffers are reused by size, the cache holds only
// what the workload reuses (and never more than a cap), reused blocks hold correct values, and it
// can be switched off.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { allocatorStats, emptyCache, full, randn, setNumThreads, tidy, zeros } from '../../src/engine/index.js';

before(() => setNumThreads(1));

/** Runs `script` (ESM, imports relative to the repo root) in a child with `env`; returns its last stdout line as JSON. */
function child(script: string, env: NodeJS.ProcessEnv): unknown {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('a training-like loop of large tensors is served from the cache after the first pass', (t) => {
  emptyCache();
  const step = () => tidy(() => randn([512, 1024]).mul(2).add(1).sum().item()); // 2 MiB buffers
  step();
  const before = allocatorStats();
  if (!before.enabled) {
    t.skip('the cache is switched off in this environment (DISCO_MALLOC=default or DISCO_CPU_CACHE_MB=0)');
    return;
  }
  for (let i = 0; i < 10; i++) step();
  const after = allocatorStats();
  assert.equal(after.misses, before.misses, 'every large buffer after the first pass should be a cache hit');
  assert.ok(after.hits >= before.hits + 30, `hits ${before.hits} → ${after.hits}`);
  assert.ok(after.cachedBytes > 0);
  assert.equal(after.capBytes, null, 'no cap unless DISCO_CPU_CACHE_MB sets one');
  emptyCache();
  assert.equal(allocatorStats().cachedBytes, 0);
  assert.equal(allocatorStats().cachedBlocks, 0);
});

test('reused blocks hold the new tensor’s values (zeros after garbage, fills, random)', () => {
  for (let i = 0; i < 3; i++) {
    tidy(() => {
      full([600, 1024], 7).dispose(); // leaves a 2.3 MiB block of 7s in the cache
      const z = zeros([600, 1024]);
      assert.equal(z.abs().max().item(), 0);
      const f = full([600, 1000], -3);
      assert.deepEqual([f.min().item(), f.max().item()], [-3, -3]);
    });
  }
});

test('the cache never holds more than DISCO_CPU_CACHE_MB, and RSS stays bounded', () => {
  const script = `
    import { allocatorStats, ones, tidy } from './src/engine/index.js';
    let worst = 0;
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 100; i++) {
      // 1.5 to 6 MiB tensors of ever-changing sizes: many will not fit any cached block
      tidy(() => ones([384 + (i * 37) % 1152, 1024]).mul(2).sum().item());
      worst = Math.max(worst, allocatorStats().cachedBytes);
    }
    const s = allocatorStats();
    console.log(JSON.stringify({ worst, cap: s.capBytes, hits: s.hits, growth: process.memoryUsage().rss - rss0 }));`;
  const r = child(script, { DISCO_CPU_CACHE_MB: '16' }) as { worst: number; cap: number; hits: number; growth: number };
  assert.equal(r.cap, 16 << 20);
  assert.ok(r.worst <= r.cap, `cached ${r.worst} bytes with a cap of ${r.cap}`);
  assert.ok(r.growth < 100 * 2 ** 20, `RSS grew ${(r.growth / 2 ** 20).toFixed(0)} MB`);
});

test('without a cap, cached and live large blocks stay within 1/8 above their recent peak, and a one-off peak is forgotten', () => {
  const script = `
    import { allocatorStats, ones, tidy } from './src/engine/index.js';
    let worst = 0;
    const watch = () => {
      const s = allocatorStats();
      worst = Math.max(worst, (s.cachedBytes + s.liveBytes) / s.peakBytes);
    };
    for (let i = 0; i < 100; i++) {
      tidy(() => ones([384 + (i * 37) % 1152, 1024]).mul(2).add(1).sum().item()); // 1.5 to 6 MiB, ever-changing
      watch();
    }
    tidy(() => ones([16384, 1024]).mul(2).sum().item()); // a one-off 64 MiB peak
    const afterPeak = allocatorStats().cachedBytes;
    const hits0 = allocatorStats().hits;
    for (let i = 0; i < 1200; i++) { // then 31 blocks of 1 MiB a step
      tidy(() => { let x = ones([256, 1024]); for (let k = 0; k < 30; k++) x = x.add(1); });
      watch();
    }
    const s = allocatorStats();
    console.log(JSON.stringify({ worst, afterPeak, end: s.cachedBytes, evictions: s.evictions, hits: s.hits - hits0 }));`;
  const r = child(script, { DISCO_THREADS: '1' }) as { worst: number; afterPeak: number; end: number; evictions: number; hits: number };
  assert.ok(r.worst <= 1.125 + 1e-9, `cached + live reached ${r.worst.toFixed(3)} × the peak`);
  assert.ok(r.afterPeak >= 128 * 2 ** 20, `the 64 MiB blocks of the peak should be cached at first, got ${r.afterPeak}`);
  assert.ok(r.end <= 40 * 2 ** 20, `the one-off peak's blocks should have gone after the loop, ${r.end} bytes cached`);
  assert.ok(r.hits > 30_000 && r.evictions > 0, JSON.stringify(r));
});

test('DISCO_MALLOC=default and DISCO_CPU_CACHE_MB=0 switch the cache off', () => {
  const script = `
    import { allocatorStats, ones, tidy } from './src/engine/index.js';
    tidy(() => ones([1024, 1024]).mul(2).sum().item());
    console.log(JSON.stringify(allocatorStats()));`;
  for (const env of [{ DISCO_MALLOC: 'default' }, { DISCO_CPU_CACHE_MB: '0' }]) {
    const s = child(script, env) as { enabled: boolean; capBytes: number; cachedBytes: number; hits: number; misses: number };
    assert.deepEqual([s.enabled, s.capBytes, s.cachedBytes, s.hits, s.misses], [false, 0, 0, 0, 0], JSON.stringify(env));
  }
});

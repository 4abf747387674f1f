import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { linearAssignment } from '../../src/metrics/assignment.js';

/** A tiny seeded PRNG (LCG) for test inputs. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

/** Minimum over all n! permutations. */
function bruteForce(c: Float64Array, n: number): number {
  let best = Infinity;
  const p = Array.from({ length: n }, (_, i) => i);
  const rec = (k: number, acc: number): void => {
    if (k === n) { best = Math.min(best, acc); return; }
    for (let i = k; i < n; i++) {
      [p[k], p[i]] = [p[i]!, p[k]!];
      rec(k + 1, acc + c[k * n + p[k]!]!);
      [p[k], p[i]] = [p[i]!, p[k]!];
    }
  };
  rec(0, 0);
  return best;
}

test('assignment matches brute force on small random instances (real, integer-tied, negative costs)', () => {
  const r = rng(7);
  for (let t = 0; t < 600; t++) {
    const n = 1 + (t % 7);
    const kind = t % 3;
    const c = Float64Array.from({ length: n * n }, () => (kind === 0 ? r() : kind === 1 ? Math.floor(r() * 3) : (r() - 0.5) * 100));
    const a = linearAssignment(c, n, { k: 1 + (t % 3) });   // tiny candidate graphs exercise the repair path
    assert.equal(new Set(a.rowToCol).size, n, 'a permutation');
    for (let i = 0; i < n; i++) assert.equal(a.colToRow[a.rowToCol[i]!], i);
    assert.ok(Math.abs(a.cost - bruteForce(c, n)) < 1e-9, `n=${n} kind=${kind}: ${a.cost} vs ${bruteForce(c, n)}`);
  }
});

test('assignment recovers a hidden permutation of zero-cost pairs', () => {
  const n = 300, r = rng(3);
  const perm = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);
  const c = Float64Array.from({ length: n * n }, (_, k) => (perm[Math.floor(k / n)] === k % n ? 0 : 1 + r()));
  const a = linearAssignment(c, n);
  assert.deepEqual(Array.from(a.rowToCol), perm);
  assert.equal(a.cost, 0);
});

test('assignment rejects a wrongly sized matrix and handles n = 0', () => {
  assert.throws(() => linearAssignment(new Float64Array(5), 2), /expected 2×2/);
  assert.equal(linearAssignment(new Float64Array(0), 0).cost, 0);
});

test('assignment rejects NaN and ±inf costs, naming the entry, instead of looping', () => {
  // In a child process with a time limit: before the fix one NaN in a 50×50 matrix looped forever.
  const script = `
    import { linearAssignment } from './src/metrics/assignment.ts';
    import { w2 } from './src/metrics/ot.ts';
    const n = 50, c = Float64Array.from({ length: n * n }, (_, k) => Math.sin(k) ** 2);
    for (const [k, v] of [[7 * n + 3, NaN], [0, Infinity], [n * n - 1, -Infinity]]) {
      const bad = c.slice();
      bad[k] = v;
      try { linearAssignment(bad, n); console.log('solved'); } catch (e) { console.log(e.message); }
    }
    const pts = Array.from({ length: 100 }, (_, i) => Math.cos(i));
    pts[9] = NaN;
    try { w2({ data: pts, dim: 2 }, { data: pts.map((v) => v + 1), dim: 2 }); } catch (e) { console.log(e.message); }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, null, 'the solver did not finish within 30 s');
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 4, r.stdout + r.stderr);
  assert.match(lines[0]!, /cost\[7, 3\] is NaN; every cost must be finite/);
  assert.match(lines[1]!, /cost\[0, 0\] is Infinity/);
  assert.match(lines[2]!, /cost\[49, 49\] is -Infinity/);
  assert.match(lines[3]!, /is NaN; every cost must be finite/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, randn, tidy, type Tensor } from '../../src/engine/index.js';
import { edmSigmas } from '../../src/edm/schedule.js';
import { heun, restart, restartPlan, samplerNfe, type Denoiser } from '../../src/edm/samplers.js';
import { mixtureDenoiser } from '../../src/edm/gmm.js';
import { eightGaussians } from '../../src/data/toy.js';
import { w2 } from '../../src/metrics/ot.js';
import { modeStats } from '../../src/metrics/modes.js';
import { parseConfig } from '../../src/config/load.js';

/** EDM's σ grid (Karras et al. 2022, Table 1): σ_min 0.002, σ_max 80, ρ = 7. */
const EDM_GRID = { sigmaMin: 0.002, sigmaMax: 80, rho: 7 };
const { rho } = EDM_GRID;
const centers = Array.from({ length: 8 }, (_, k) => [3 * Math.cos((k * Math.PI) / 4), 3 * Math.sin((k * Math.PI) / 4)]);
const mixture = mixtureDenoiser({ centers, std: 0.2 });

test('Restart with K = 0 is Heun, bit for bit', () => {
  tidy(() => {
    const x = randn([64, 2], { dtype: 'float64', generator: new Generator(5) }).mul(80);
    const sig = edmSigmas(12, EDM_GRID);
    const a = heun(mixture, x, sig, { keepTrajectory: true });
    const b = restart(mixture, x, sig, { restart: [{ tMin: 0.5, tMax: 3, K: 0, steps: 4 }], rho, keepTrajectory: true,
      generator: new Generator(1) });
    assert.equal(b.nfe, a.nfe);
    assert.equal(a.x.sub(b.x).abs().max().item(), 0);
    assert.equal(b.trajectory.length, a.trajectory.length);
    b.trajectory.forEach((t, i) => assert.equal(t.sub(a.trajectory[i]!).abs().max().item(), 0));
  });
});

test('Restart counts NFE exactly: 2N − 1 + Σ 2·K·steps denoiser calls', () => {
  tidy(() => {
    let calls = 0;
    const D: Denoiser = (x, s) => { calls += 1; return mixture(x, s); };
    const intervals = [{ tMin: 0.3, tMax: 1, K: 2, steps: 3 }, { tMin: 2, tMax: 5, K: 1, steps: 2 }];
    const seen: number[] = [];
    const r = restart(D, randn([16, 2], { dtype: 'float64' }).mul(80), edmSigmas(10, EDM_GRID),
      { restart: intervals, rho, generator: new Generator(2), onStep: (s) => seen.push(s.i) });
    assert.equal(calls, 19 + 2 * 2 * 3 + 2 * 1 * 2);
    assert.equal(r.nfe, calls);
    assert.equal(samplerNfe('restart', 10, intervals), calls);
    // Every Heun step is seen: 10 main steps and 2·3 + 1·2 restart steps, in main-step order.
    assert.equal(seen.length, 10 + 2 * 3 + 2);
    assert.deepEqual([...new Set(seen)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

test('Restart intervals snap t_min to the main grid and reject what cannot act on it', () => {
  const sig = edmSigmas(8, EDM_GRID); // 80, 35.0, 13.7, 4.64, 1.29, 0.267, 0.035, 0.002, 0
  const plan = restartPlan(sig, [{ tMin: 0.3, tMax: 2, K: 3, steps: 4 }], rho);
  assert.deepEqual([...plan.keys()], [5]);
  const stop = plan.get(5)!;
  assert.equal(stop.K, 3);
  assert.equal(stop.grid.length, 5);
  assert.equal(stop.grid[0], 2);
  assert.equal(stop.grid[4], sig[5]);
  // In between, EDM's Eq. 5 from t_max = 2 down to σ_5 with the ρ given.
  const eq5 = (i: number) => (2 ** (1 / rho) + (i / 4) * (sig[5]! ** (1 / rho) - 2 ** (1 / rho))) ** rho;
  [1, 2, 3].forEach((i) => assert.ok(Math.abs(stop.grid[i]! - eq5(i)) < 1e-12, `grid[${i}]`));
  assert.notDeepEqual(restartPlan(sig, [{ tMin: 0.3, tMax: 2, K: 3, steps: 4 }], 1).get(5)!.grid, stop.grid);
  assert.throws(() => restartPlan(sig, [{ tMin: 1, tMax: 1.2, K: 1, steps: 1 }], rho), /snaps to the main grid's σ_4 = 1\.28.*not below t_max/);
  assert.throws(() => restartPlan(sig, [{ tMin: 0.3, tMax: 2, K: 1, steps: 1 }, { tMin: 0.25, tMax: 3, K: 1, steps: 1 }], rho),
    /restart interval 1 .*like restart interval 0/);
  assert.throws(() => restartPlan(sig, [{ tMin: 0.3, tMax: 2, K: 1.5, steps: 1 }], rho), /K must be a non-negative integer, got 1\.5/);
  assert.throws(() => restartPlan(sig, [{ tMin: 0.3, tMax: 2, K: 1, steps: 0 }], rho), /steps must be a positive integer/);
  assert.throws(() => restartPlan(sig, [{ tMin: 2, tMax: 0.3, K: 1, steps: 1 }], rho), /needs 0 < t_min < t_max/);
  assert.throws(() => restartPlan(edmSigmas(1, EDM_GRID), [{ tMin: 0.3, tMax: 2, K: 1, steps: 1 }], rho), /at least 2 main steps/);
  assert.throws(() => restart(mixture, randn([2, 2], { dtype: 'float64' }), sig, { rho }), /give at least one interval/);
  assert.throws(() => restart(mixture, randn([2, 2], { dtype: 'float64' }), sig, { restart: [{ tMin: 0.3, tMax: 2, K: 1, steps: 1 }] }),
    /give ρ of the restart grids/);
  // The config names the bad key.
  const cfg = (restart: unknown) => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' }, sample: { sampler: 'restart', restart } });
  assert.deepEqual(cfg(undefined).sample.restart, [{ tMin: 0.06, tMax: 0.3, K: 2, steps: 2 }]);
  assert.throws(() => cfg([{ tMin: 1, tMax: 0.5, K: 1, steps: 1 }]), /sample\.restart\.0\.tMin: must be below tMax/);
  assert.throws(() => cfg([{ tMin: 0.1, tMax: 0.5, K: -1, steps: 1 }]), /sample\.restart\.0\.K/);
  assert.throws(() => cfg([]), /sample\.restart/);
});

/** RMS per coordinate of each sample's distance to its nearest centre (the component std when exact). */
function withinModeStd(x: Tensor): number {
  const p = x.toFlatArray(), n = x.size(0);
  let sq = 0;
  for (let i = 0; i < n; i++) sq += Math.min(...centers.map(([a, b]) => (p[2 * i]! - a!) ** 2 + (p[2 * i + 1]! - b!) ** 2));
  return Math.sqrt(sq / n / 2);
}

test('Restart on the exact 8-Gaussian denoiser matches the mixture, and beats Heun at equal low NFE', () => {
  const n = 1000;
  const fresh = (seed: number) => eightGaussians(n, new Generator(seed), { iid: true }).x;
  const [ref, other] = [fresh(1), fresh(2)];
  const floor = w2(ref, other);
  const x0 = randn([n, 2], { dtype: 'float64', generator: new Generator(7) }).mul(80);
  // 18 main steps and two restarts of 4 steps in [0.3, 3], where the modes separate: 35 + 16 NFE.
  const fine = restart(mixture, x0, edmSigmas(18, EDM_GRID), { restart: [{ tMin: 0.3, tMax: 3, K: 2, steps: 4 }], rho, generator: new Generator(3) });
  assert.equal(fine.nfe, 51);
  const modes = modeStats(fine.x, centers, { std: 0.2 });
  // Every mode gets its share (multinomial sd ≈ 10.5 at n/8 = 125), none strays beyond 5σ, the spread is σ = 0.2.
  for (const c of modes.counts) assert.ok(Math.abs(c - n / 8) < 47, `mode counts ${modes.counts}`);
  assert.equal(modes.offModeFraction, 0);
  const std = withinModeStd(fine.x);
  assert.ok(Math.abs(std - 0.2) < 0.01, `within-mode std ${std}`);
  // W2 is dominated by the mode counts' sampling noise: it stays within that noise of the floor.
  const W2 = w2(fine.x.to({ dtype: 'float32' }), ref);
  assert.ok(W2 < 1.35 * floor, `W2 ${W2} vs floor ${floor}`);
  // 15 NFE: Heun with 8 steps against Restart with 5 main steps and one 3-step restart from σ_3 = 0.17
  // to 4. Restart's fresh noise contracts the coarse steps' error: a within-mode spread nearer 0.2.
  const coarse = restart(mixture, x0, edmSigmas(5, EDM_GRID), { restart: [{ tMin: 0.17, tMax: 4, K: 1, steps: 3 }], rho,
    generator: new Generator(3) });
  const plain = heun(mixture, x0, edmSigmas(8, EDM_GRID));
  assert.equal(coarse.nfe, plain.nfe);
  const [r, h] = [withinModeStd(coarse.x), withinModeStd(plain.x)];
  assert.ok(r < 0.9 * h && r > 0.2, `within-mode std: Restart ${r} vs Heun ${h} at ${plain.nfe} NFE`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, full, manualSeed, randn, tensor, tidy } from '../../src/engine/index.js';
import { EDMPrecond, edmCoefficients, type Backbone } from '../../src/edm/precond.js';
import { edmLoss } from '../../src/edm/loss.js';
import { edmSigmas } from '../../src/edm/schedule.js';
import { edmSample, euler, heun, stochastic } from '../../src/edm/samplers.js';
import { mixtureDenoiser } from '../../src/edm/gmm.js';
import { Module } from '../../src/nn/module.js';
import type { Tensor } from '../../src/engine/index.js';

/** EDM's σ grid (Karras et al. 2022, Table 1): σ_min 0.002, σ_max 80, ρ = 7. */
const EDM_GRID = { sigmaMin: 0.002, sigmaMax: 80, rho: 7 };

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

/** F(x_in, c_noise) = x_in + c_noise, so D can be checked by hand. */
class Probe extends Module implements Backbone {
  forward(x: Tensor, cNoise: Tensor): Tensor {
    return x.add(cNoise.view(-1, 1));
  }
}

test('preconditioning matches the EDM formulas by hand', () => {
  const sd = 0.5, sigma = 2, x = 3;
  const D = new EDMPrecond(new Probe(), sd);
  const out = D.forward(tensor([[x]]), tensor([sigma])).item();
  const c_skip = sd ** 2 / (sigma ** 2 + sd ** 2);
  const c_out = (sigma * sd) / Math.sqrt(sigma ** 2 + sd ** 2);
  const c_in = 1 / Math.sqrt(sigma ** 2 + sd ** 2);
  const c_noise = Math.log(sigma) / 4;
  close(out, c_skip * x + c_out * (c_in * x + c_noise), 1e-5);
});

test('edmCoefficients: EDM Table 1 by hand, and c_skip + c_out²/σ_d² = 1, c_in²·(σ² + σ_d²) = 1', () => tidy(() => {
  const sd = 0.5, sigmas = [0.002, 0.3, 2, 80];
  const c = edmCoefficients(tensor(sigmas, { dtype: 'float64' }).view(2, 2), sd);
  for (const t of [c.cSkip, c.cOut, c.cIn, c.cNoise]) assert.deepEqual(t.shape, [2, 2], 'each coefficient has σ\'s shape');
  const [skip, out, cin, noise] = [c.cSkip, c.cOut, c.cIn, c.cNoise].map((t) => t.toFlatArray()) as [number[], number[], number[], number[]];
  sigmas.forEach((s, i) => {
    close(skip[i]!, sd ** 2 / (s ** 2 + sd ** 2), 1e-12);
    close(out[i]!, (s * sd) / Math.sqrt(s ** 2 + sd ** 2), 1e-12);
    close(cin[i]!, 1 / Math.sqrt(s ** 2 + sd ** 2), 1e-12);
    close(noise[i]!, Math.log(s) / 4, 1e-12);
    close(skip[i]! + out[i]! ** 2 / sd ** 2, 1, 1e-12);
    close(cin[i]! ** 2 * (s ** 2 + sd ** 2), 1, 1e-12);
  });
}));

test('EDM loss weight λ(σ)·‖D − y‖² with a fixed denoiser', () => {
  const sd = 0.5;
  const g = new Generator(3);
  const y = full([4, 2], 1);
  const { loss, sigma } = edmLoss((x) => x.mul(0), y, { pMean: -1.2, pStd: 1.2, sigmaData: sd, generator: g });
  const s = sigma.toFlatArray();
  const l = loss.toFlatArray();
  s.forEach((si, i) => close(l[2 * i]!, ((si ** 2 + sd ** 2) / (si * sd) ** 2) * 1, 1e-4)); // D = 0 → ‖y‖² per elem = 1
  // ln σ ~ N(-1.2, 1.2²): check the mean of ln σ on many draws.
  const many = edmLoss((x) => x, full([20000, 1], 0), { pMean: -1.2, pStd: 1.2, sigmaData: sd, generator: g }).sigma.log();
  close(many.mean().item(), -1.2, 0.03);
  close(many.var().sqrt().item(), 1.2, 0.03);
});

test('σ schedule follows Eq. 5 and ends in 0', () => {
  const s = edmSigmas(18, EDM_GRID);
  assert.equal(s.length, 19);
  close(s[0]!, 80);
  close(s[17]!, 0.002);
  assert.equal(s[18], 0);
  const rho = 7, i = 5;
  close(s[i]!, (80 ** (1 / rho) + (i / 17) * (0.002 ** (1 / rho) - 80 ** (1 / rho))) ** rho);
  for (let j = 1; j < 18; j++) assert.ok(s[j]! < s[j - 1]!);
  // The ends and ρ are the caller's: ρ = 1 spaces σ evenly, ρ = 2 evenly in √σ.
  assert.deepEqual(edmSigmas(3, { sigmaMin: 1, sigmaMax: 4, rho: 1 }), [4, 2.5, 1, 0]);
  assert.deepEqual(edmSigmas(3, { sigmaMin: 1, sigmaMax: 9, rho: 2 }), [9, 4, 1, 0]);
});

test('Heun uses 2N−1 NFE, Euler N; stochastic churn changes the result', () => {
  const mix = { centers: [[0, 0]], std: 1 };
  const D = mixtureDenoiser(mix);
  const x = randn([8, 2], { dtype: 'float64' }).mul(80);
  const sig = edmSigmas(10, EDM_GRID);
  assert.equal(heun(D, x, sig).nfe, 19);
  assert.equal(euler(D, x, sig).nfe, 10);
  const a = heun(D, x, sig).x, b = stochastic(D, x, sig, { generator: new Generator(1), sMin: 0 }).x;
  assert.ok(a.sub(b).abs().max().item() > 1e-3);
});

test('Heun (50 steps) with the exact mixture denoiser reproduces an 8-Gaussian mixture', () => {
  manualSeed(0);
  const centers = Array.from({ length: 8 }, (_, k) => [3 * Math.cos((k * Math.PI) / 4), 3 * Math.sin((k * Math.PI) / 4)]);
  const mix = { centers, std: 0.2 };
  const n = 4000;
  const x0 = randn([n, 2], { dtype: 'float64', generator: new Generator(7) }).mul(80);
  const out = heun(mixtureDenoiser(mix), x0, edmSigmas(50, EDM_GRID)).x.toFlatArray();
  const counts = Array(8).fill(0);
  let maxDist = 0, sq = 0;
  for (let i = 0; i < n; i++) {
    const d = centers.map((c) => Math.hypot(out[2 * i]! - c[0]!, out[2 * i + 1]! - c[1]!));
    const j = d.indexOf(Math.min(...d));
    counts[j] += 1;
    maxDist = Math.max(maxDist, d[j]!);
    sq += d[j]! ** 2;
  }
  // Every mode gets its share (multinomial sd ≈ 21 at n/8 = 500) and the within-mode spread is σ = 0.2.
  for (const c of counts) assert.ok(Math.abs(c - n / 8) < 90, `mode counts ${counts}`);
  close(Math.sqrt(sq / n / 2), 0.2, 0.05);
  assert.ok(maxDist < 1.2, `a sample ended ${maxDist} from every mode`);
});

test('onStep sees every step and keepTrajectory keeps N+1 states', () => {
  const D = mixtureDenoiser({ centers: [[1, 1]], std: 0.5 });
  const seen: number[] = [];
  const r = edmSample(D, randn([4, 2], { dtype: 'float64' }).mul(80), edmSigmas(6, EDM_GRID), {
    keepTrajectory: true, onStep: (s) => seen.push(s.i),
  });
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  assert.equal(r.trajectory.length, 7);
  tidy(() => assert.ok(r.trajectory[6]!.sub(r.x).abs().max().item() === 0));
});

test('conditioned on its component (one Gaussian per latent), the exact ODE is straight; the mixture ODE is not', async () => {
  const { edmVelocity, odeCurvature } = await import('../../src/metrics/curvature.js');
  const { randint } = await import('../../src/engine/index.js');
  const centers = Array.from({ length: 8 }, (_, k) => [3 * Math.cos((k * Math.PI) / 4), 3 * Math.sin((k * Math.PI) / 4)]);
  const mix = { centers, std: 0.2 };
  const g = new Generator(11);
  const comp = randint(0, 8, [64], { generator: g });
  const x0 = randn([64, 2], { dtype: 'float64', generator: g }).mul(80);
  const sig = edmSigmas(30, EDM_GRID);
  const mean = (D: ReturnType<typeof mixtureDenoiser>) => {
    const r = heun(D, x0, sig, { keepTrajectory: true });
    const states = r.trajectory.slice(0, -1).map((x, i) => ({ t: sig[i]!, x }));
    const k = odeCurvature(edmVelocity(D), states);
    return k.value.reduce((a, b) => a + b, 0) / k.value.length;
  };
  const straight = mean(mixtureDenoiser(mix, comp));
  const curved = mean(mixtureDenoiser(mix));
  assert.ok(straight < 1e-3, `curvature with one Gaussian per latent: ${straight}`);
  assert.ok(curved > 100 * straight, `mixture curvature ${curved} vs ${straight}`);
});

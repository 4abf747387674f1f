import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  TORUS_SIGMA_MAX,
  TORUS_SIGMA_MIN,
  buildTorusTable,
  sampleWrappedNormal,
  torusScore,
  torusScoreSquaredMean,
  wrap,
  wrappedNormalDensity,
} from '../../src/pose/torus.js';
import { Rng } from '../../src/pose/random.js';

const close = (a: number, b: number, rel: number, what = '') =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b} (rel ${Math.abs(a - b) / Math.abs(b)})`);

/** ∫_{−π}^{π} fn by the trapezoid rule on n points, spectrally accurate for smooth 2π-periodic fn. */
function periodicMean(fn: (x: number) => number, n = 4000): number {
  let sum = 0;
  for (let j = 0; j < n; j++) sum += fn(-Math.PI + (2 * Math.PI * j) / n);
  return (sum * 2 * Math.PI) / n;
}

/** The wrapped normal as a Fourier series: (1/2π)(1 + 2 Σ_{n≥1} e^{−n²σ²/2} cos nx). */
function fourierDensity(x: number, sigma: number): number {
  let sum = 1;
  for (let n = 1; n < 50; n++) sum += 2 * Math.exp((-n * n * sigma * sigma) / 2) * Math.cos(n * x);
  return sum / (2 * Math.PI);
}

test('the table builds in under a second', () => {
  const ms = buildTorusTable();
  assert.ok(ms < 1000, `torus table took ${ms.toFixed(0)} ms`);
  assert.equal(buildTorusTable(), 0);
});

test('wrap maps onto [−π, π)', () => {
  assert.equal(wrap(Math.PI), -Math.PI);
  assert.equal(wrap(-Math.PI), -Math.PI);
  assert.equal(wrap(0.5), 0.5);
  close(wrap(1.5 * Math.PI), -0.5 * Math.PI, 1e-15, 'wrap(3π/2)');
  close(wrap(7), 7 - 2 * Math.PI, 1e-15, 'wrap(7)');
  close(wrap(-7), -7 + 2 * Math.PI, 1e-15, 'wrap(−7)');
  close(wrap(-Math.PI - 1e-17), -Math.PI, 1e-15, 'just below −π');
  for (let j = -1000; j <= 1000; j++) {
    const y = wrap(j * 0.0731);
    assert.ok(y >= -Math.PI && y < Math.PI, `wrap(${j * 0.0731}) = ${y}`);
  }
  assert.throws(() => wrap(Infinity), /non-finite angle/);
});

test('the density normalises, equals its Fourier series and tends to 1/(2π) for large σ', () => {
  for (const sigma of [0.01, 0.1, 1, 3, 6]) {
    const mass = periodicMean((x) => wrappedNormalDensity(x, sigma));
    assert.ok(Math.abs(mass - 1) < 1e-10, `∫p at σ=${sigma} is ${mass}`);
  }
  for (const sigma of [0.5, 1, 2]) {
    for (const x of [-3, -1, 0, 0.4, 2.5]) {
      const [p, q] = [wrappedNormalDensity(x, sigma), fourierDensity(x, sigma)];
      assert.ok(Math.abs(p - q) < 1e-14, `p(${x}; ${sigma}) = ${p} vs the Fourier series ${q}`);
    }
  }
  for (const x of [-3, 0, 1.7]) {
    const deviation = Math.abs(2 * Math.PI * wrappedNormalDensity(x, 5) - 1);
    assert.ok(deviation <= 2.001 * Math.exp(-12.5), `2πp(${x}; 5) − 1 = ${deviation}`);
  }
});

test('the score matches central differences of log p', () => {
  for (const sigma of [0.05, 0.5, 2]) {
    for (const x of [-4, -1, -0.3, 0.4, 2, 5].map((k) => k * sigma)) {
      const h = 1e-5 * sigma;
      const fd = (Math.log(wrappedNormalDensity(x + h, sigma)) - Math.log(wrappedNormalDensity(x - h, sigma))) / (2 * h);
      const score = torusScore(x, sigma);
      assert.ok(Math.abs(score - fd) <= 1e-6 * Math.max(1, Math.abs(fd)), `σ=${sigma}, x=${x}: ${score} vs ${fd}`);
    }
  }
});

test('the score is odd and 2π-periodic, and −x/σ² for small σ', () => {
  for (const sigma of [0.3, 1.7]) {
    for (const x of [0.1, 1, 3]) {
      close(torusScore(-x, sigma), -torusScore(x, sigma), 1e-12, `odd at ${x}`);
      close(torusScore(x + 2 * Math.PI, sigma), torusScore(x, sigma), 1e-12, `periodic at ${x}`);
      close(torusScore(x - 6 * Math.PI, sigma), torusScore(x, sigma), 1e-12, `periodic at ${x} − 6π`);
    }
  }
  assert.ok(Math.abs(torusScore(Math.PI, 1)) < 1e-12);
  for (const x of [-0.1, 0.01, 0.1]) close(torusScore(x, 0.05), -x / 0.05 ** 2, 1e-12, `small-σ score at ${x}`);
});

test('samples lie in [−π, π) with E[cos x] = e^{−σ²/2}', () => {
  const n = 20000;
  const rng = new Rng(5);
  for (const sigma of [0.2, 1, 3]) {
    let sum = 0;
    for (let s = 0; s < n; s++) {
      const x = sampleWrappedNormal(sigma, rng);
      assert.ok(x >= -Math.PI && x < Math.PI);
      sum += Math.cos(x);
    }
    assert.ok(Math.abs(sum / n - Math.exp(-(sigma * sigma) / 2)) < 3 / Math.sqrt(n), `σ=${sigma}: E[cos x] = ${sum / n}`);
  }
});

test('E[score²] matches quadrature, Monte Carlo and 1/σ² for small σ', () => {
  for (const sigma of [0.0123, 0.345, 1.234, 2.5, Math.PI, 6]) {
    const meanSquare = periodicMean((x) => torusScore(x, sigma) ** 2 * wrappedNormalDensity(x, sigma));
    close(torusScoreSquaredMean(sigma), meanSquare, 5e-4, `E[score²] at σ=${sigma}`);
  }
  const n = 20000;
  const rng = new Rng(9);
  for (const sigma of [0.3, 1, 2]) {
    let sum = 0;
    let sumSq = 0;
    for (let s = 0; s < n; s++) {
      const q = torusScore(sampleWrappedNormal(sigma, rng), sigma) ** 2;
      sum += q;
      sumSq += q * q;
    }
    const mean = sum / n;
    const se = Math.sqrt((sumSq / n - mean * mean) / n);
    assert.ok(Math.abs(torusScoreSquaredMean(sigma) - mean) < 3 * se, `σ=${sigma}: ${torusScoreSquaredMean(sigma)} vs MC ${mean} ± ${se}`);
  }
  for (const sigma of [TORUS_SIGMA_MIN, 0.01, 0.1]) close(torusScoreSquaredMean(sigma), 1 / sigma ** 2, 1e-10, `1/σ² at σ=${sigma}`);
});

test('bad input names the problem', () => {
  assert.throws(() => wrappedNormalDensity(0, -1), /sigma must be a positive finite number, got -1/);
  assert.throws(() => torusScore(0, NaN), /sigma must be a positive finite number, got NaN/);
  assert.throws(() => sampleWrappedNormal(0, new Rng(1)), /got 0/);
  assert.throws(() => torusScoreSquaredMean(TORUS_SIGMA_MAX + 1), /table range/);
});

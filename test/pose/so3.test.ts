import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IGSO3_SIGMA_MAX,
  IGSO3_SIGMA_MIN,
  buildIgso3Tables,
  igso3Density,
  igso3NumeratorClosedForm,
  igso3NumeratorSeries,
  igso3Score,
  igso3ScoreNorm,
  sampleIgso3,
} from '../../src/pose/so3.js';
import { Rng } from '../../src/pose/random.js';

const close = (a: number, b: number, rel: number, what = '') =>
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b} (rel ${Math.abs(a - b) / Math.abs(b)})`);

/** Composite Simpson rule with n (even) intervals. */
function simpson(fn: (x: number) => number, a: number, b: number, n = 2000): number {
  const h = (b - a) / n;
  let sum = fn(a) + fn(b);
  for (let j = 1; j < n; j++) sum += (j % 2 ? 4 : 2) * fn(a + j * h);
  return (sum * h) / 3;
}

/** Where the angle density lives: [0, min(π, 12σ)]. */
const support = (sigma: number) => Math.min(Math.PI, 12 * sigma);

/** log f(ω; σ) read back from the density: p / ((1 − cos ω)/π). */
const logF = (omega: number, sigma: number) => Math.log(igso3Density(omega, sigma) / ((1 - Math.cos(omega)) / Math.PI));

/** An Rng whose uniform draws are all u, so sampleIgso3 returns the quantile at u. */
class FixedUniform extends Rng {
  constructor(private readonly u: number) {
    super(0);
  }
  override uniform(): number {
    return this.u;
  }
}

test('the tables build in under a second', () => {
  const ms = buildIgso3Tables();
  assert.ok(ms < 1000, `IGSO(3) tables took ${ms.toFixed(0)} ms`);
  assert.equal(buildIgso3Tables(), 0);
});

test('the closed form (Poisson dual) and the series agree where both are exact', () => {
  for (const sigma of [0.01, 0.05, 0.2, 0.5, 1]) {
    for (let j = 1; j <= 40; j++) {
      const omega = (j / 40) * Math.min(Math.PI, 5 * sigma);
      const a = igso3NumeratorClosedForm(omega, sigma);
      const b = igso3NumeratorSeries(omega, sigma);
      const logA = a.logScale + Math.log(a.value);
      const logB = b.logScale + Math.log(b.value);
      assert.ok(Math.abs(logA - logB) < 1e-9, `log F at σ=${sigma}, ω=${omega}: ${logA} vs ${logB}`);
      assert.ok(Math.abs(a.slope / a.value - b.slope / b.value) * sigma < 1e-9, `F'/F at σ=${sigma}, ω=${omega}`);
    }
  }
});

test('the angle density normalises over [0, π]', () => {
  for (const sigma of [IGSO3_SIGMA_MIN, 0.01, 0.03, 0.1, 0.3, 0.7, 1, 1.5, 2, IGSO3_SIGMA_MAX]) {
    const mass = simpson((w) => igso3Density(w, sigma), 0, support(sigma));
    assert.ok(Math.abs(mass - 1) < 1e-6, `∫p at σ=${sigma} is ${mass}`);
  }
  assert.equal(igso3Density(0, 0.5), 0);
});

test('small σ: ω is distributed like the norm of N(0, σ²I₃)', () => {
  const sigma = 0.01;
  const maxwell = (w: number) => Math.sqrt(2 / Math.PI) * (w * w) / sigma ** 3 * Math.exp(-(w * w) / (2 * sigma * sigma));
  for (const k of [0.5, 1, 2, 3]) close(igso3Density(k * sigma, sigma), maxwell(k * sigma), 1e-3, `p(${k}σ)`);
});

test('the score is n · d/dω log f, matching central differences of log f', () => {
  const axis = [2 / 7, -3 / 7, 6 / 7] as const;
  for (const sigma of [0.05, 0.3, 1, 2]) {
    for (const k of [0.3, 1, 2, 4]) {
      const omega = Math.min(k * sigma, 3);
      const h = 1e-5 * omega;
      const fd = (logF(omega + h, sigma) - logF(omega - h, sigma)) / (2 * h);
      const score = igso3Score([axis[0] * omega, axis[1] * omega, axis[2] * omega], sigma);
      for (let c = 0; c < 3; c++) close(score[c]!, axis[c]! * fd, 1e-5, `score[${c}] at σ=${sigma}, ω=${omega}`);
    }
  }
});

test('the score: zero at the identity and at ω = π, −rotvec/σ² for small σ, and 2π-periodic along the axis', () => {
  assert.deepEqual(igso3Score([0, 0, 0], 0.5), [0, 0, 0]);
  assert.ok(Math.abs(igso3Score([0, Math.PI, 0], 0.5)[1]) < 1e-12);
  const sigma = 0.01;
  close(igso3Score([0.01, 0, 0], sigma)[0], -0.01 / sigma ** 2, 1e-4, 'small-σ score');
  const a = igso3Score([0, 0, 1.2], 0.7)[2];
  close(igso3Score([0, 0, 1.2 - 2 * Math.PI], 0.7)[2], a, 1e-12, 'ω − 2π');
  close(igso3Score([0, 0, 1.2 + 2 * Math.PI], 0.7)[2], a, 1e-12, 'ω + 2π');
});

test('sampling: mean angle, E[cos ω] = (3e^{−σ²} − 1)/2 (as E[χ₁(ω)] = 3e^{−σ²}) and a uniform axis', () => {
  const n = 20000;
  const rng = new Rng(7);
  for (const sigma of [0.1, 0.5, 1.5]) {
    const mean = simpson((w) => w * igso3Density(w, sigma), 0, support(sigma));
    const second = simpson((w) => w * w * igso3Density(w, sigma), 0, support(sigma));
    let sumOmega = 0;
    let sumCos = 0;
    const sumAxis = [0, 0, 0];
    for (let s = 0; s < n; s++) {
      const v = sampleIgso3(sigma, rng);
      const omega = Math.hypot(...v);
      assert.ok(omega >= 0 && omega <= Math.PI);
      sumOmega += omega;
      sumCos += Math.cos(omega);
      for (let c = 0; c < 3; c++) sumAxis[c]! += v[c]! / omega;
    }
    const se = Math.sqrt((second - mean * mean) / n);
    assert.ok(Math.abs(sumOmega / n - mean) < 3 * se, `σ=${sigma}: mean ω ${sumOmega / n} vs ${mean} ± ${se}`);
    assert.ok(Math.abs(sumCos / n - (3 * Math.exp(-sigma * sigma) - 1) / 2) < 3 / Math.sqrt(n), `σ=${sigma}: E[cos ω]`);
    for (const s of sumAxis) assert.ok(Math.abs(s / n) < 3 * Math.sqrt(1 / 3 / n), `σ=${sigma}: axis mean ${s / n}`);
  }
});

test('sampling inverts the CDF of the density, also between table rows and at tiny σ', () => {
  for (const sigma of [0.002, 0.0123, 0.345, 1.234]) {
    for (const u of [0.05, 0.3, 0.5, 0.8, 0.97]) {
      const omega = Math.hypot(...sampleIgso3(sigma, new FixedUniform(u)));
      const cdf = simpson((w) => igso3Density(w, sigma), 0, omega);
      assert.ok(Math.abs(cdf - u) < 1e-4, `σ=${sigma}: CDF at the quantile of ${u} is ${cdf}`);
    }
  }
});

test('the score norm matches quadrature, Monte Carlo and √3/σ for small σ', () => {
  for (const sigma of [0.0123, 0.345, 1.234, 3.21]) {
    const meanSquare = simpson((w) => igso3Score([w, 0, 0], sigma)[0] ** 2 * igso3Density(w, sigma), 1e-9, support(sigma));
    close(igso3ScoreNorm(sigma) ** 2, meanSquare, 5e-4, `E|score|² at σ=${sigma}`);
  }
  const n = 20000;
  const rng = new Rng(11);
  for (const sigma of [0.3, 1]) {
    let sum = 0;
    let sumSq = 0;
    for (let s = 0; s < n; s++) {
      const q = igso3Score(sampleIgso3(sigma, rng), sigma).reduce((a, x) => a + x * x, 0);
      sum += q;
      sumSq += q * q;
    }
    const mean = sum / n;
    const se = Math.sqrt((sumSq / n - mean * mean) / n);
    assert.ok(Math.abs(igso3ScoreNorm(sigma) ** 2 - mean) < 3 * se, `σ=${sigma}: ${igso3ScoreNorm(sigma) ** 2} vs MC ${mean} ± ${se}`);
  }
  close(igso3ScoreNorm(1e-3), Math.sqrt(3) / 1e-3, 1e-5, 'score norm at σ = 1e-3');
});

test('bad input names the problem', () => {
  assert.throws(() => igso3Density(1, 0), /sigma must be a positive finite number, got 0/);
  assert.throws(() => igso3Density(4, 0.5), /angle must lie in \[0, pi\], got 4/);
  assert.throws(() => igso3Score([NaN, 0, 0], 0.5), /rotation vector must be finite/);
  assert.throws(() => sampleIgso3(IGSO3_SIGMA_MAX * 2, new Rng(1)), /table range/);
  assert.throws(() => igso3ScoreNorm(1e-5), /table range \[0.0005, 4\], got 0.00001/);
});

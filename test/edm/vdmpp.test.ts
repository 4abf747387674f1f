import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, full, randn, tensor, tidy } from '../../src/engine/index.js';
import { vdmppLogSnr, vdmppLoss, vdmppWeight } from '../../src/edm/loss.js';
import { parseConfig } from '../../src/config/load.js';
import { createModel } from '../../src/networks/build.js';

const close = (a: number, b: number, tol: number, what = '') => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Trapezoidal ∫_lo^hi f with steps of at most 1e-3. */
function integrate(f: (x: number) => number, lo: number, hi: number): number {
  const m = Math.ceil((hi - lo) / 1e-3), h = (hi - lo) / m;
  let s = 0;
  for (let i = 0; i < m; i++) s += 0.5 * h * (f(lo + i * h) + f(lo + (i + 1) * h));
  return s;
}

/**
 * The definitions by hand: w(l) = sigmoid(b − l) and the sampling density
 * p(l) ∝ w(l)·σ_d²/(σ² + σ_d²) with σ² = e^{−l}, normalised and integrated by quadrature
 * (independent of the closed forms in src/edm/loss.ts).
 */
function byHand(b: number, sd: number) {
  const w = (l: number) => sigmoid(b - l);
  const unnorm = (l: number) => w(l) * sd ** 2 / (Math.exp(-l) + sd ** 2);
  const Z = integrate(unnorm, -80, 80);
  const p = (l: number) => unnorm(l) / Z;
  return { w, p, cdf: (l: number) => integrate(p, -80, l), a: -2 * Math.log(sd) };
}

test('VDM++ weight on ‖D − y‖² is w(l)/(p(l)·σ²), by hand', () => {
  for (const [b, sd] of [[2, 0.5], [-1, 2.1], [2, Math.exp(-1)]] as const) {
    const H = byHand(b, sd);
    const sigmas = [0.01, 0.3, 1, 5, 60];
    const got = tidy(() => vdmppWeight(tensor(sigmas, { dtype: 'float64' }), { bias: b, sigmaData: sd }).toFlatArray());
    sigmas.forEach((s, i) => {
      const l = -2 * Math.log(s);
      const want = H.w(l) / (H.p(l) * s * s);
      close(got[i]! / want, 1, 1e-6, `b ${b}, σ_d ${sd}, σ ${s}:`);
    });
  }
  // A worked value: b = 2, σ_d = 0.5, σ = 1 (l = 0): Z = d/(1 − e^{−d}) with d = b + 2 ln σ_d = 0.613706,
  // so Z = 1.338044 and the weight is Z·(1 + 0.25)/0.25 = 6.69022.
  close(tidy(() => vdmppWeight(tensor([1]), { bias: 2, sigmaData: 0.5 }).item()), 6.69022, 1e-4, 'worked value');
});

test('VDM++ noise levels follow p(l): inverse CDF by hand, and the drawn σ', () => {
  const b = 2, sd = 0.5;
  const H = byHand(b, sd);
  const us = [0.01, 0.1, 0.5, 0.9, 0.99];
  const ls = tidy(() => vdmppLogSnr(tensor(us, { dtype: 'float64' }), { bias: b, sigmaData: sd }).toFlatArray());
  us.forEach((u, i) => close(H.cdf(ls[i]!), u, 2e-4, `F(l(${u}))`));
  // p is symmetric about (a + b)/2, so that is its median: l(0.5) = (1.386294 + 2)/2.
  close(ls[2]!, (H.a + b) / 2, 1e-9, 'median');
  // With a = b the density is the logistic one: l = a + logit(u).
  const atA = tidy(() => vdmppLogSnr(tensor([0.25]), { bias: H.a, sigmaData: sd }).item());
  close(atA, H.a + Math.log(0.25 / 0.75), 1e-5, 'a = b');
  // The loss draws l from p: with D = 0 and y = 1 each element is the weight of its σ.
  const n = 20000;
  const { loss, sigma } = vdmppLoss((x) => x.mul(0), full([n, 1], 1, { dtype: 'float64' }), { bias: b, sigmaData: sd, generator: new Generator(4) });
  const s = sigma.toFlatArray(), l = s.map((v) => -2 * Math.log(v)), lw = loss.toFlatArray();
  for (let i = 0; i < 5; i++) close(lw[i]! / (H.w(l[i]!) / (H.p(l[i]!) * s[i]! ** 2)), 1, 1e-6, `sample ${i}`);
  // Empirical CDF at the hand quantiles (binomial sd ≤ 0.0035 at n = 20000).
  us.forEach((u, i) => close(l.filter((v) => v <= ls[i]!).length / n, u, 0.015, `ECDF at q(${u})`));
});

test('edm.objective = vdmpp trains the same network with the VDM++ loss', () => {
  const cfg = parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', hidden: 16, layers: 2, embDim: 8 },
    latents: { enabled: false }, edm: { objective: 'vdmpp', sigmoidBias: 1, sigmaData: 2 } });
  const model = createModel(cfg, { shape: [2], numClasses: 0, sigmaData: 2 });
  const g = new Generator(9);
  const { sigma, perSample } = model.stageILoss(randn([4000, 2], { generator: g }), undefined, g);
  // Median of l = −2 ln σ is (a + b)/2 with a = −2 ln 2 (EDM's ln σ ~ N(−1.2, 1.2²) would give 2.4).
  const l = sigma.toFlatArray().map((v) => -2 * Math.log(v)).sort((x, y) => x - y);
  close(l[2000]!, (1 - 2 * Math.log(2)) / 2, 0.08, 'median log-SNR');
  assert.ok(perSample.toFlatArray().every(Number.isFinite));
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' }, edm: { objective: 'vdm' } }), /edm\.objective/);
  model.dispose();
});

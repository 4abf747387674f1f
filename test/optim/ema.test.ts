// The EMA of weights against its closed form, EDM's half-life and warm-up decays, buffers, and
// the errors of a bad decay or a state that does not fit.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { Linear, Module } from '../../src/nn/index.js';
import { EMA } from '../../src/optim/index.js';

before(() => setNumThreads(1));

function close(t: Tensor, want: number[], tol = 1e-12): void {
  const got = t.toFlatArray();
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= tol, `element ${i}: got ${g}, want ${want[i]}`));
}

/** A 1→1 float64 Linear with weight `w` and bias 0. */
function scalarModel(w: number): Linear {
  const lin = new Linear(1, 1, { dtype: 'float64' });
  noGrad(() => { lin.weight.fill_(w); lin.bias!.fill_(0); });
  return lin;
}

/** A module with an integer buffer next to a float parameter. */
class Counted extends Module {
  readonly w: Tensor;
  readonly count: Tensor;
  constructor() {
    super();
    this.w = this.param('w', tensor([0], { dtype: 'float64' }));
    this.count = this.buffer('count', tensor([0], { dtype: 'int64' }));
  }
}

test('EMA matches its closed form: s_n = dⁿ s₀ + (1 − d) Σ_k d^(n−k) w_k', () => tidy(() => {
  const lin = scalarModel(1);
  const ema = new EMA(lin, 0.9);
  const ws = [2, 5, -1, 3];
  for (const w of ws) {
    noGrad(() => lin.weight.fill_(w));
    ema.update(lin);
  }
  const n = ws.length;
  const want = 0.9 ** n * 1 + ws.reduce((s, w, k) => s + 0.1 * 0.9 ** (n - 1 - k) * w, 0);
  close(ema.shadow.get('weight')!, [want]);
  close(ema.shadow.get('bias')!, [0]);
  // One update with an explicit decay (EDM's warm-up passes it per step).
  ema.update(lin, 0.25);
  close(ema.shadow.get('weight')!, [0.25 * want + 0.75 * 3]);
  // copyTo writes the average into a module.
  const copy = scalarModel(0);
  ema.copyTo(copy);
  close(copy.weight, [0.25 * want + 0.75 * 3]);
  ema.dispose();
  lin.dispose();
  copy.dispose();
}));

test('decayForHalfLife: after halfLife/batch steps the old average weighs one half', () => {
  const d = EMA.decayForHalfLife(500, 50);
  assert.equal(d, 0.5 ** 0.1);
  assert.ok(Math.abs(d ** 10 - 0.5) < 1e-15);
});

test('rampedDecay (EDM\'s ema_rampup_ratio): half-life ≤ rampup·step until the constant decay takes over', () => {
  // at step 10 with ratio 0.05 the half-life is 0.5 steps: decay 0.5² = 0.25
  assert.equal(EMA.rampedDecay(0.9, 0.05, 10), 0.25);
  assert.equal(EMA.rampedDecay(0.9, 0.05, 1e6), 0.9);
  assert.equal(EMA.rampedDecay(0.9, 0, 1), 0.9);
});

test('integer buffers are copied, not averaged', () => tidy(() => {
  const m = new Counted();
  const ema = new EMA(m, 0.5);
  noGrad(() => { m.w.fill_(4); m.count.fill_(7); });
  ema.update(m);
  close(ema.shadow.get('w')!, [2]);
  assert.deepEqual(ema.shadow.get('count')!.toFlatArray(), [7]);
  assert.equal(ema.shadow.get('count')!.dtype, 'int64');
  ema.dispose();
  m.dispose();
}));

test('a decay outside [0, 1), a module with a key the average lacks and a state missing a key are refused', () => tidy(() => {
  const lin = scalarModel(1);
  assert.throws(() => new EMA(lin, 1), /EMA: decay must be in \[0, 1\), got 1/);
  const ema = new EMA(lin, 0.9);
  assert.throws(() => ema.update(new Counted()), /EMA: module has 'w' that the average does not/);
  assert.throws(() => ema.load(new Map([['weight', lin.weight]])), /EMA state is missing 'bias'/);
  ema.dispose();
  lin.dispose();
}));

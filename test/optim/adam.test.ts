// Adam and AdamW: single steps against updates worked out by hand (bias correction, ε, L2 vs
// decoupled decay), parameter groups, state, and the fused native step against the same update
// written with tensor ops.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { keep, noGrad, randn, setNumThreads, tensor, tidy, zerosLike, type DType, type Tensor } from '../../src/engine/index.js';
import { Linear } from '../../src/nn/index.js';
import { Adam, AdamW } from '../../src/optim/index.js';

before(() => setNumThreads(1));

/** Elementwise |a - b| <= tol, with a message showing both. */
function close(t: Tensor, want: number[], tol = 1e-12): void {
  const got = t.toFlatArray();
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= tol, `element ${i}: got ${g}, want ${want[i]} (all: [${got}])`));
}

/** A float64 parameter holding `values`, named `w`, with gradient `grad`. */
function param(values: number[], grad: number[]): Tensor {
  const p = tensor(values, { dtype: 'float64' }).requiresGrad_(true);
  p.setGrad(tensor(grad, { dtype: 'float64' }));
  return p;
}

const hand = { lr: 0.1, betas: [0.9, 0.999] as [number, number], eps: 0.1 };

test('Adam, two steps by hand: bias correction makes m̂, v̂ unbiased; ε is added to √v̂', () => tidy(() => {
  const p = param([1], [0.5]);
  const opt = new Adam([['w', p]], hand);
  // t = 1: m = 0.05, v = 0.00025 → m̂ = 0.5, v̂ = 0.25; p = 1 − 0.1·0.5/(0.5 + 0.1)
  opt.update();
  close(p, [1 - 0.1 * 0.5 / 0.6]);
  close(opt.expAvg[0]!, [0.05]);
  close(opt.expAvgSq[0]!, [0.00025]);
  // t = 2, g = −1: m = 0.045 − 0.1 = −0.055, v = 0.00024975 + 0.001 → m̂ = m/0.19, v̂ = v/0.001999
  p.setGrad(tensor([-1], { dtype: 'float64' }));
  opt.update();
  const mHat = -0.055 / (1 - 0.9 ** 2), vHat = 0.00124975 / (1 - 0.999 ** 2);
  close(p, [1 - 0.1 * 0.5 / 0.6 - 0.1 * mHat / (Math.sqrt(vHat) + 0.1)]);
  close(p, [0.9491666742648452]);
  assert.equal(opt.step, 2);
  opt.dispose();
}));

test('weight decay: Adam adds wd·p to the gradient, AdamW shrinks p by (1 − lr·wd) outside the moments', () => tidy(() => {
  const a = param([1], [0.5]), w = param([1], [0.5]);
  const adam = new Adam([['w', a]], { ...hand, weightDecay: 0.2 });
  const adamW = new AdamW([['w', w]], { ...hand, weightDecay: 0.2 });
  adam.update();
  adamW.update();
  // Adam: g = 0.5 + 0.2·1 = 0.7 → m̂ = 0.7, √v̂ = 0.7; p = 1 − 0.1·0.7/(0.7 + 0.1) = 0.9125
  close(a, [0.9125]);
  close(adam.expAvg[0]!, [0.07]);
  // AdamW: p = 1·(1 − 0.1·0.2) = 0.98, then the plain step with g = 0.5
  close(w, [0.98 - 0.1 * 0.5 / 0.6]);
  close(adamW.expAvg[0]!, [0.05]);
  adam.dispose();
  adamW.dispose();
}));

test('the first step moves each weight by lr·sign(g), and so does a second with the same gradient', () => tidy(() => {
  const lin = new Linear(2, 1, { dtype: 'float64' });
  const w0 = lin.weight.toFlatArray(), b0 = lin.bias!.toFlatArray();
  const opt = new Adam(lin.namedParameters(), { lr: 0.1 });
  // loss = w·[1, −2] + b → g_w = [1, −2], g_b = 1; m̂ = g, v̂ = g² → step = lr·g/(|g| + ε) ≈ lr·sign(g)
  const x = tensor([[1, -2]], { dtype: 'float64' });
  lin.forward(x).sum().backward();
  opt.update();
  close(lin.weight, [w0[0]! - 0.1, w0[1]! + 0.1], 1e-7);
  close(lin.bias!, [b0[0]! - 0.1], 1e-7);
  opt.zeroGrad();
  lin.forward(x).sum().backward();
  opt.update();
  close(lin.weight, [w0[0]! - 0.2, w0[1]! + 0.2], 1e-7);
  opt.dispose();
  lin.dispose();
}));

test('lrScale: parameter groups step at lr·scale, scale 0 freezes, a negative scale is refused by name', () => tidy(() => {
  const a = param([0], [1]), b = param([0], [1]), c = param([0], [1]);
  const opt = new Adam([['enc.w', a], ['head.w', b], ['frozen.w', c]], {
    lr: 0.1, eps: 0, lrScale: (n) => (n.startsWith('head') ? 0.5 : n.startsWith('frozen') ? 0 : 1),
  });
  opt.update();
  close(a, [-0.1]);
  close(b, [-0.05]);
  close(c, [0]);
  opt.dispose();
  assert.throws(() => new Adam([['enc.w', a]], { lrScale: () => -1 }), /Adam: learning-rate scale of enc\.w must be ≥ 0, got -1/);
}));

test('state dict: keys by parameter path, a reload continues the same trajectory, a missing key is named', () => tidy(() => {
  const a = param([1, 2], [0.3, -0.1]);
  const opt = new Adam([['layer.w', a]], hand);
  opt.update();
  const s = opt.stateDict();
  assert.equal(s.step, 1);
  assert.deepEqual([...s.tensors.keys()], ['exp_avg.layer.w', 'exp_avg_sq.layer.w']);
  const b = param(a.toFlatArray(), [0.3, -0.1]);
  const other = new Adam([['layer.w', b]], hand);
  other.loadStateDict(s);
  for (const o of [opt, other]) o.update();
  assert.deepEqual(b.toFlatArray(), a.toFlatArray());
  assert.throws(() => other.loadStateDict({ step: 1, tensors: new Map() }), /optimizer state is missing: exp_avg\.layer\.w, exp_avg_sq\.layer\.w/);
  opt.dispose();
  other.dispose();
}));

interface Opts { lr: number; betas: [number, number]; eps: number; weightDecay: number; decoupled: boolean }

/** Reference Adam with tensor ops (PyTorch 1.13's single-tensor algorithm). */
function referenceStep(ps: Tensor[], gs: Tensor[], ms: Tensor[], vs: Tensor[], step: number, o: Opts): void {
  const [b1, b2] = o.betas;
  noGrad(() => tidy(() => ps.forEach((p, i) => {
    let g = gs[i]!;
    if (o.decoupled) p.mul_(1 - o.lr * o.weightDecay);
    else if (o.weightDecay) g = g.add(p.mul(o.weightDecay));
    ms[i]!.mul_(b1).add_(g, 1 - b1);
    vs[i]!.mul_(b2).addcmul_(g, g, 1 - b2);
    const denom = vs[i]!.sqrt().div(Math.sqrt(1 - b2 ** step)).add(o.eps);
    p.addcdiv_(ms[i]!, denom, -o.lr / (1 - b1 ** step));
  })));
}

/** Runs both for `steps` steps with fresh random gradients; returns the largest relative difference. */
function compare(dtype: DType, o: Opts, layout: 'contiguous' | 'transposed', steps = 5): number {
  return tidy(() => {
    const shapes = [[7, 5], [5], [3, 4, 2]];
    const make = () => shapes.map((s, k) => {
      const t = randn(s, { dtype, generator: undefined }).mul(0.5 + k);
      return layout === 'transposed' && s.length > 1 ? t.mT.detach() : t;
    });
    const ours = make().map((t) => keep(t).requiresGrad_(true));
    const ref = ours.map((t) => noGrad(() => t.clone()));
    const ms = ref.map((t) => zerosLike(t)), vs = ref.map((t) => zerosLike(t));
    const Opt = o.decoupled ? AdamW : Adam;
    const opt = new Opt(ours.map((p, i) => [`p${i}`, p] as [string, Tensor]), { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weightDecay });
    let worst = 0;
    for (let s = 1; s <= steps; s++) {
      const gs = ours.map((p) => randn(p.shape, { dtype }));
      ours.forEach((p, i) => p.setGrad(gs[i]!.clone()));
      opt.update();
      referenceStep(ref, gs, ms, vs, s, o);
      ours.forEach((p, i) => {
        const diff = p.sub(ref[i]!).abs().max().item() / (ref[i]!.abs().max().item() + 1e-30);
        worst = Math.max(worst, diff);
      });
    }
    assert.equal(opt.step, steps);
    opt.dispose();
    for (const p of ours) p.dispose();
    return worst;
  });
}

const base: Opts = { lr: 1e-2, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupled: false };
const cases: [string, Partial<Opts>][] = [
  ['Adam', {}],
  ['Adam with L2 weight decay', { weightDecay: 0.1 }],
  ['AdamW', { weightDecay: 0.1, decoupled: true }],
  ['Adam, large lr and eps, other betas', { lr: 0.3, eps: 1e-3, betas: [0.5, 0.9] }],
];
for (const [name, o] of cases) {
  for (const layout of ['contiguous', 'transposed'] as const) {
    test(`fused ${name} (${layout}) matches the op-by-op update: float64 to 1e-12, float32 to 1e-5`, () => {
      const opts = { ...base, ...o };
      const d64 = compare('float64', opts, layout);
      assert.ok(d64 < 1e-12, `float64 relative difference ${d64}`);
      const d32 = compare('float32', opts, layout);
      assert.ok(d32 < 1e-5, `float32 relative difference ${d32}`);
    });
  }
}

test('parameters without a gradient are left alone; moments of others advance', () => tidy(() => {
  const a = keep(randn([3])).requiresGrad_(true), b = keep(randn([3])).requiresGrad_(true);
  const b0 = b.toFlatArray();
  const opt = new Adam([['a', a], ['b', b]], { lr: 0.1 });
  a.setGrad(randn([3]));
  opt.update();
  assert.deepEqual(b.toFlatArray(), b0);
  assert.deepEqual(opt.expAvg[1]!.toFlatArray(), [0, 0, 0]);
  assert.notDeepEqual(opt.expAvg[0]!.toFlatArray(), [0, 0, 0]);
  opt.dispose();
  a.dispose();
  b.dispose();
}));

test('a fused update bumps the version counter: backward through a graph that saved the old weights fails', () => tidy(() => {
  const w = keep(randn([3])).requiresGrad_(true);
  const opt = new Adam([['w', w]]);
  const x = randn([3]).requiresGrad_(true);
  const y = x.mul(w).sum(); // saves w for d/dx
  w.setGrad(randn([3]));
  opt.update();
  assert.throws(() => y.backward(), /modified by an inplace operation/);
  opt.dispose();
  w.dispose();
}));

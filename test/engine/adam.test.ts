// The fused native Adam/AdamW step against the same update written with tensor ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keep, noGrad, randn, setNumThreads, tidy, zerosLike, type DType, type Tensor } from '../../src/engine/index.js';
import { Adam, AdamW } from '../../src/optim/index.js';

setNumThreads(1);

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

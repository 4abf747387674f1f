// The layers against their definitions written out by hand: Linear as x Wᵀ + b, Conv2d as a sum
// over windows (stride, 'same' padding, groups), Embedding as row lookup, Dropout, GroupNorm and MLP.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, noGrad, randn, setNumThreads, tensor, tidy } from '../../src/engine/index.js';
import { Conv2d, Dropout, Embedding, GroupNorm, LayerNorm, Linear, MLP, activate } from '../../src/nn/index.js';

before(() => setNumThreads(1));

function assertClose(got: number[], want: number[], tol = 1e-10): void {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= tol, `element ${i}: got ${g}, want ${want[i]}`));
}

/** y[n][o] = b[o] + Σ_i x[n][i] W[o][i]. */
function linearByHand(x: number[][], w: number[][], b: number[] | null): number[] {
  return x.flatMap((r) => w.map((wo, o) => wo.reduce((s, v, i) => s + v * r[i]!, b ? b[o]! : 0)));
}

/** One image [C][H][W] convolved with W [O][C/groups][k][k]: zero padding, stride, channel groups. */
function convByHand(x: number[][][], w: number[][][][], b: number[], stride: number, pad: number, groups: number): number[] {
  const [C, H, W] = [x.length, x[0]!.length, x[0]![0]!.length];
  const O = w.length, k = w[0]![0]!.length, perGroupIn = C / groups, perGroupOut = O / groups;
  const outH = Math.floor((H + 2 * pad - k) / stride) + 1, outW = Math.floor((W + 2 * pad - k) / stride) + 1;
  const at = (c: number, i: number, j: number) => (i < 0 || j < 0 || i >= H || j >= W ? 0 : x[c]![i]![j]!);
  const out: number[] = [];
  for (let o = 0; o < O; o++) {
    const g = Math.floor(o / perGroupOut);
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        let s = b[o]!;
        for (let c = 0; c < perGroupIn; c++) {
          for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) s += w[o]![c]![u]![v]! * at(g * perGroupIn + c, i * stride - pad + u, j * stride - pad + v);
        }
        out.push(s);
      }
    }
  }
  return out;
}

test('Linear is x Wᵀ + b over the last dim (with and without bias, batched)', () => tidy(() => {
  manualSeed(1);
  const lin = new Linear(4, 3, { dtype: 'float64' }), noBias = new Linear(4, 3, { dtype: 'float64', bias: false });
  const x = randn([2, 5, 4], { dtype: 'float64' });
  const rows = x.reshape(10, 4).toArray() as number[][];
  const w = lin.weight.toArray() as number[][];
  assert.deepEqual(lin.forward(x).shape, [2, 5, 3]);
  assertClose(lin.forward(x).toFlatArray(), linearByHand(rows, w, lin.bias!.toFlatArray()));
  assert.equal(noBias.bias, null);
  assertClose(noBias.forward(x).toFlatArray(), linearByHand(rows, noBias.weight.toArray() as number[][], null));
  lin.dispose();
  noBias.dispose();
}));

test('Conv2d equals the windowed sum: stride 2, \'same\' padding for odd kernels, groups, 1×1', () => tidy(() => {
  manualSeed(2);
  const x = randn([2, 4, 5, 6], { dtype: 'float64' });
  for (const [conv, pad] of [
    [new Conv2d(4, 6, 3, { dtype: 'float64', stride: 2, groups: 2 }), 1],
    [new Conv2d(4, 2, 1, { dtype: 'float64' }), 0],
    [new Conv2d(4, 3, 3, { dtype: 'float64', padding: 0 }), 0],
  ] as const) {
    assert.equal(conv.padding, pad);
    const y = conv.forward(x);
    const w = conv.weight.toArray() as number[][][][], b = conv.bias!.toFlatArray();
    const want = [0, 1].flatMap((n) => convByHand(x.select(0, n).toArray() as number[][][], w, b, conv.stride, pad, conv.groups));
    assertClose(y.toFlatArray(), want);
    conv.dispose();
  }
}));

test('Embedding returns the rows of its table; its init std is settable', () => tidy(() => {
  const emb = new Embedding(5, 3, { dtype: 'float64' });
  const table = emb.weight.toArray() as number[][];
  const idx = [4, 0, 4, 2];
  assertClose(emb.forward(tensor(idx, { dtype: 'int64' })).toFlatArray(), idx.flatMap((i) => table[i]!));
  const tiny = new Embedding(1000, 10, { std: 0.01 });
  const std = Math.sqrt(tiny.weight.var().item());
  assert.ok(Math.abs(std - 0.01) < 0.0005, `std ${std}`);
  emb.dispose();
  tiny.dispose();
}));

test('Dropout: identity in eval mode; in training each element is 0 or x/(1−p), dropped with probability p', () => tidy(() => {
  const drop = new Dropout(0.25, new Generator(5));
  const x = randn([20000]).abs().add(0.1);
  assert.equal(drop.eval().forward(x), x);
  const y = drop.train().forward(x);
  const kept = y.ne(0);
  const frac = 1 - kept.float().mean().item();
  assert.ok(Math.abs(frac - 0.25) < 0.015, `dropped ${frac}`);
  assertClose(y.maskedSelect(kept).toFlatArray(), x.maskedSelect(kept).div(0.75).toFlatArray(), 1e-6);
  // the same generator seed gives the same mask
  const again = new Dropout(0.25, new Generator(5)).forward(x);
  assert.deepEqual(again.toFlatArray(), y.toFlatArray());
}));

test('GroupNorm and LayerNorm start as pure normalisation (weight 1, bias 0); channels must split into groups', () => tidy(() => {
  const gn = new GroupNorm(2, 4, 1e-5, { dtype: 'float64' });
  const x = randn([3, 4, 2, 2], { dtype: 'float64' });
  const y = gn.forward(x).reshape(3, 2, 8); // each (sample, group): mean 0, variance v/(v + ε)
  const v = x.reshape(3, 2, 8).var(2, { correction: 0 });
  assertClose(y.mean(2).toFlatArray(), new Array(6).fill(0), 1e-12);
  assertClose(y.var(2, { correction: 0 }).toFlatArray(), v.div(v.add(1e-5)).toFlatArray(), 1e-12);
  noGrad(() => { gn.weight.fill_(3); gn.bias.fill_(-1); });
  assertClose(gn.forward(x).toFlatArray(), y.reshape(3, 4, 2, 2).mul(3).sub(1).toFlatArray(), 1e-12);
  const ln = new LayerNorm(4, 1e-5, { dtype: 'float64' });
  assertClose(ln.forward(x.reshape(12, 4)).mean(-1).toFlatArray(), new Array(12).fill(0), 1e-12);
  assert.throws(() => new GroupNorm(3, 4), /GroupNorm: 4 channels do not split into 3 groups/);
  gn.dispose();
  ln.dispose();
}));

test('MLP is Linear → activation → … → Linear, with no activation after the last layer', () => tidy(() => {
  const x = randn([5, 3], { dtype: 'float64' });
  for (const act of ['silu', 'relu', 'gelu', 'tanh'] as const) {
    const mlp = new MLP([3, 8, 8, 2], act, { dtype: 'float64' });
    assert.deepEqual(mlp.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']);
    const [l0, l1, l2] = mlp.layers as [Linear, Linear, Linear];
    const want = l2.forward(activate(l1.forward(activate(l0.forward(x), act)), act));
    assert.deepEqual(mlp.forward(x).toFlatArray(), want.toFlatArray());
    mlp.dispose();
  }
  assert.deepEqual(activate(tensor([-1, 0, 2]), 'relu').toFlatArray(), [0, 0, 2]);
  assert.throws(() => new MLP([3]), /MLP: needs at least \[in, out\] widths, got \[3\]/);
}));

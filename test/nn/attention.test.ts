// Multi-head attention against softmax(QKᵀ/√d)V written out by hand, its gradients against finite
// differences, and the pre-LayerNorm Transformer block.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, randn, setNumThreads, tidy, type Tensor } from '../../src/engine/index.js';
import { MultiheadAttention, TransformerBlock } from '../../src/nn/index.js';
import { gradcheck, leaf } from '../engine/gradcheck.js';

before(() => setNumThreads(1));

type Matrix = number[][];
const rows = (t: Tensor): Matrix => t.toArray() as Matrix;
/** x Wᵀ + b, row by row. */
const affine = (x: Matrix, w: Matrix, b: number[]): Matrix => x.map((r) => w.map((wo, o) => wo.reduce((s, v, i) => s + v * r[i]!, b[o]!)));

/** One sequence of multi-head attention: per head, softmax(q kᵀ/√d) v over the head's columns. */
function attentionByHand(m: MultiheadAttention, x: Matrix, ctx: Matrix, causal: boolean): Matrix {
  const lin = (l: MultiheadAttention['q'], a: Matrix) => affine(a, rows(l.weight), l.bias!.toFlatArray());
  const q = lin(m.q, x), k = lin(m.k, ctx), v = lin(m.v, ctx);
  const d = m.dim / m.heads;
  const y = q.map(() => new Array<number>(m.dim).fill(0));
  for (let h = 0; h < m.heads; h++) {
    const cols = [...Array(d).keys()].map((j) => h * d + j);
    q.forEach((qt, t) => {
      const scores = k.map((ks, s) => (causal && s > t ? -Infinity : cols.reduce((a, c) => a + qt[c]! * ks[c]!, 0) / Math.sqrt(d)));
      const top = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - top));
      const z = e.reduce((a, b) => a + b, 0);
      for (const c of cols) y[t]![c] = e.reduce((a, p, s) => a + (p / z) * v[s]![c]!, 0);
    });
  }
  return lin(m.o, y);
}

function assertClose(got: Matrix, want: Matrix, tol = 1e-10): void {
  got.forEach((r, i) => r.forEach((g, j) => assert.ok(Math.abs(g - want[i]![j]!) <= tol, `[${i}][${j}]: got ${g}, want ${want[i]![j]}`)));
}

test('self-, causal and cross-attention equal softmax(QKᵀ/√d)V per head, by hand', () => tidy(() => {
  manualSeed(3);
  const self = new MultiheadAttention(6, 3, { dtype: 'float64' });
  const cross = new MultiheadAttention(4, 2, { dtype: 'float64', contextDim: 5 });
  const x = randn([2, 3, 6], { dtype: 'float64' }), x4 = randn([2, 3, 4], { dtype: 'float64' }), ctx = randn([2, 5, 5], { dtype: 'float64' });
  const outSelf = self.forward(x), outCausal = self.forward(x, x, { causal: true }), outCross = cross.forward(x4, ctx);
  assert.deepEqual(outCross.shape, [2, 3, 4]);
  for (let b = 0; b < 2; b++) {
    const xb = rows(x.select(0, b)), x4b = rows(x4.select(0, b)), cb = rows(ctx.select(0, b));
    assertClose(rows(outSelf.select(0, b)), attentionByHand(self, xb, xb, false));
    assertClose(rows(outCausal.select(0, b)), attentionByHand(self, xb, xb, true));
    assertClose(rows(outCross.select(0, b)), attentionByHand(cross, x4b, cb, false));
  }
  self.dispose();
  cross.dispose();
}));

test('a width that does not split into the heads is refused', () => {
  assert.throws(() => new MultiheadAttention(10, 3), /MultiheadAttention: dim 10 is not divisible by 3 heads/);
});

test('grad MultiheadAttention: input and every projection (self and cross attention)', () => tidy(() => {
  manualSeed(7);
  const mha = new MultiheadAttention(8, 2, { dtype: 'float64', contextDim: 6 });
  const self = new MultiheadAttention(8, 2, { dtype: 'float64' });
  try {
    const x = leaf([2, 3, 8], 133), ctx = leaf([2, 4, 6], 134);
    gradcheck(() => mha.forward(x, ctx), [x, ctx, ...mha.parameters()]);
    gradcheck(() => self.forward(x, x, { causal: true }), [x, ...self.parameters()]);
  } finally {
    mha.dispose();
    self.dispose();
  }
}));

test('TransformerBlock: readable parameter paths; with both residual branches zeroed it is the identity', () => tidy(() => {
  manualSeed(4);
  const block = new TransformerBlock(8, 2, { mlpRatio: 2 });
  assert.deepEqual(block.namedParameters().map(([n, p]) => `${n} [${p.shape}]`), [
    'ln1.weight [8]', 'ln1.bias [8]',
    'attn.q.weight [8,8]', 'attn.q.bias [8]', 'attn.k.weight [8,8]', 'attn.k.bias [8]',
    'attn.v.weight [8,8]', 'attn.v.bias [8]', 'attn.o.weight [8,8]', 'attn.o.bias [8]',
    'ln2.weight [8]', 'ln2.bias [8]', 'fc.weight [16,8]', 'fc.bias [16]', 'proj.weight [8,16]', 'proj.bias [8]',
  ]);
  const x = randn([2, 5, 8]);
  assert.ok(block.forward(x).sub(x).abs().max().item() > 1e-3, 'a fresh block changes its input');
  noGrad(() => { for (const t of [block.attn.o.weight, block.attn.o.bias!, block.proj.weight, block.proj.bias!]) t.zero_(); });
  assert.deepEqual(block.forward(x, { causal: true }).toFlatArray(), x.toFlatArray());
  block.dispose();
}));

// Gradients of the tensor ops (elementwise, broadcasting, reductions, linear algebra, shape ops)
// against finite differences, plus higher-order grad().
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { F, cat, grad, setNumThreads, stack, tensor, tidy, where, type Tensor } from '../../src/engine/index.js';
import { gradcheck, leaf, leafOf } from './gradcheck.js';

// Tiny tensors: extra threads only add synchronisation (and noise on a shared machine).
before(() => setNumThreads(1));

const check = (name: string, make: () => void): void => {
  test(name, () => tidy(make));
};

test('gradcheck itself rejects a wrong gradient', () => tidy(() => {
  const x = leaf([4], 1);
  // x·detach(x) has derivative 2x but autograd sees only x: the checker must notice.
  assert.throws(() => gradcheck(() => x.mul(x.detach()), [x]), /gradcheck: input 0 .*autograd .* vs finite difference/);
  gradcheck(() => x.mul(x), [x]);
}));

// ---- unary elementwise -----------------------------------------------------------------------
const positive = () => leaf([2, 3], 2, { scale: 0.3, shift: 1.5 }); // in (0.5, 2.5) w.h.p.
const unary: [string, (x: Tensor) => Tensor, () => Tensor][] = [
  ['exp', (x) => x.exp(), () => leaf([2, 3], 3)],
  ['log', (x) => x.log(), positive],
  ['sqrt', (x) => x.sqrt(), positive],
  ['rsqrt', (x) => x.rsqrt(), positive],
  ['sin', (x) => x.sin(), () => leaf([2, 3], 4)],
  ['cos', (x) => x.cos(), () => leaf([2, 3], 5)],
  ['tanh', (x) => x.tanh(), () => leaf([2, 3], 6)],
  ['sigmoid', (x) => x.sigmoid(), () => leaf([2, 3], 7)],
  ['silu', (x) => x.silu(), () => leaf([2, 3], 8)],
  ['gelu', (x) => x.gelu(), () => leaf([2, 3], 9)],
  ['softplus', (x) => x.softplus(), () => leaf([2, 3], 10, { scale: 3 })],
  ['abs (away from 0)', (x) => x.abs(), () => leafOf([-2, -0.5, 0.3, 1.7, -1.1, 0.9], [2, 3])],
  ['pow scalar 3', (x) => x.pow(3), () => leaf([2, 3], 11)],
  ['pow scalar 2.5', (x) => x.pow(2.5), positive],
  ['square, reciprocal, log1p, expm1, erf, neg', (x) => x.square().add(x.reciprocal()).add(x.log1p()).add(x.expm1()).add(x.erf()).neg(), positive],
  ['rsub, rdiv, rpow', (x) => x.rsub(2).mul(x.rdiv(3)), positive],
];
for (const [name, fn, make] of unary) {
  check(`grad unary ${name}`, () => {
    const x = make();
    gradcheck(() => fn(x), [x]);
  });
}

// ---- binary with broadcasting --------------------------------------------------------------
const binary: [string, (a: Tensor, b: Tensor) => Tensor][] = [
  ['add', (a, b) => a.add(b)],
  ['sub', (a, b) => a.sub(b)],
  ['mul', (a, b) => a.mul(b)],
  ['div', (a, b) => a.div(b)],
  ['pow', (a, b) => a.pow(b)],
  ['maximum', (a, b) => a.maximum(b)],
  ['minimum', (a, b) => a.minimum(b)],
];
for (const [name, fn] of binary) {
  check(`grad binary ${name} with broadcasting [2,1,4] ∘ [3,1]`, () => {
    const a = leaf([2, 1, 4], 20, { scale: 0.3, shift: 1.5 }); // positive (pow, div)
    const b = leaf([3, 1], 21, { scale: 0.3, shift: 1.2 });
    const y = fn(a, b);
    assert.deepEqual(y.shape, [2, 3, 4]);
    gradcheck(() => fn(a, b), [a, b]);
  });
}
check('grad binary with a scalar tensor and with numbers', () => {
  const a = leaf([3, 2], 22);
  const s = leaf([], 23);
  gradcheck(() => a.mul(s).add(s).sub(a.div(2)).maximum(0.1), [a, s]);
});
check('grad clamp, where, maskedFill', () => {
  const a = leafOf([-2, -0.5, 0.3, 1.7, -1.1, 0.9], [2, 3]);
  const b = leaf([2, 3], 24);
  const cond = tensor([[1, 0, 1], [0, 0, 1]], { dtype: 'bool' });
  gradcheck(() => a.clamp(-1, 1), [a]);
  gradcheck(() => where(cond, a, b), [a, b]);
  gradcheck(() => a.maskedFill(cond, 7), [a]);
});

// ---- reductions --------------------------------------------------------------------------------
const reductions: [string, (x: Tensor) => Tensor][] = [
  ['sum all', (x) => x.sum()],
  ['sum dim 1', (x) => x.sum(1)],
  ['sum dims [0,2] keepdim', (x) => x.sum([0, 2], true)],
  ['mean all', (x) => x.mean()],
  ['mean dim -1 keepdim', (x) => x.mean(-1, true)],
  ['var unbiased dim 1', (x) => x.var(1)],
  ['var population all', (x) => x.var(undefined, { correction: 0 })],
  ['var dims [1,2] keepdim', (x) => x.var([1, 2], { keepdim: true })],
  ['max all', (x) => x.max()],
  ['max dim 2 keepdim', (x) => x.max(2, true)],
  ['min dims [0,1]', (x) => x.min([0, 1])],
  ['maxDim values', (x) => x.maxDim(1).values],
  ['logsumexp all', (x) => x.logsumexp()],
  ['logsumexp dim 1 keepdim', (x) => x.logsumexp(1, true)],
  ['norm 2 all', (x) => x.norm()],
  ['norm 2 dim -1', (x) => x.norm(2, -1)],
  ['norm 1 dims [0,2] keepdim', (x) => x.norm(1, [0, 2], true)],
  ['norm 3 dim 0', (x) => x.norm(3, 0)],
  ['prod dim 1', (x) => x.prod(1)],
  ['cumsum dim 2', (x) => x.cumsum(2)],
];
for (const [name, fn] of reductions) {
  check(`grad reduction ${name}`, () => {
    const x = leaf([2, 3, 4], 30);
    gradcheck(() => fn(x), [x]);
  });
}
check('keepdim keeps reduced dims as size 1', () => {
  const x = leaf([2, 3, 4], 31);
  assert.deepEqual(x.sum([0, 2], true).shape, [1, 3, 1]);
  assert.deepEqual(x.var(1).shape, [2, 4]);
  assert.deepEqual(x.norm(2, -1, true).shape, [2, 3, 1]);
});

// ---- linear algebra ----------------------------------------------------------------------------
check('grad matmul 2-D, batched-broadcast and vector forms', () => {
  const a = leaf([3, 4], 40), b = leaf([4, 2], 41);
  gradcheck(() => a.matmul(b), [a, b]);
  const c = leaf([2, 3, 4], 42);
  gradcheck(() => c.matmul(b), [c, b]);
  const v = leaf([4], 43);
  gradcheck(() => a.matmul(v), [a, v]);
  gradcheck(() => v.matmul(b), [v, b]);
});
check('grad bmm', () => {
  const a = leaf([2, 3, 4], 44), b = leaf([2, 4, 5], 45);
  gradcheck(() => a.bmm(b), [a, b]);
});
check('grad F.linear with and without bias, 3-D input', () => {
  const x = leaf([2, 3, 4], 46), w = leaf([5, 4], 47), b = leaf([5], 48);
  gradcheck(() => F.linear(x, w, b), [x, w, b]);
  gradcheck(() => F.linear(x, w), [x, w]);
});

// ---- shape ops -----------------------------------------------------------------------------------
const idx = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int64', shape });
const shapeOps: [string, (x: Tensor, y: Tensor) => Tensor | Tensor[]][] = [
  ['reshape', (x) => x.reshape(4, 6)],
  ['view', (x) => x.view(-1)],
  ['permute', (x) => x.permute(2, 0, 1)],
  ['transpose + contiguous', (x) => x.transpose(0, 2).contiguous()],
  ['mT', (x) => x.mT],
  ['expand', (x) => x.slice(1, 0, 1).expand(2, 5, 4)],
  ['squeeze/unsqueeze/flatten', (x) => x.unsqueeze(1).slice(2, 1, 2).squeeze(2).flatten(1)],
  ['cat dim 1', (x, y) => cat([x, y, x], 1)],
  ['stack dim -1', (x, y) => stack([x, y], -1)],
  ['split sizes', (x) => x.split([1, 2], 1)],
  ['split even', (x) => x.split(2, 2)],
  ['chunk', (x) => x.chunk(3, 1)],
  ['slice with step and negative start', (x) => x.slice(2, -3, 4, 2)],
  ['select', (x) => x.select(1, 2)],
  ['indexSelect with repeats', (x) => x.indexSelect(2, idx([3, 0, 3]))],
  ['gather', (x) => x.gather(2, idx([0, 3, 1, 1, 2, 0, 3, 3, 2, 1, 0, 0, 2, 2, 1, 3, 0, 1], [2, 3, 3]))],
  ['flip', (x) => x.flip(0, 2)],
  ['repeat', (x) => x.repeat(2, 1, 3)],
  ['pad', (x) => F.pad(x, [1, 2, 0, 1], 0.5)],
  ['tril/triu', (x) => x.tril(0).add(x.triu(1).mul(2))],
];
for (const [name, fn] of shapeOps) {
  check(`grad shape op ${name}`, () => {
    const x = leaf([2, 3, 4], 50), y = leaf([2, 3, 4], 51);
    gradcheck(() => fn(x, y), [x, y]);
  });
}

// ---- softmax family ----------------------------------------------------------------------------
check('grad softmax and logSoftmax over first and last dim', () => {
  const x = leaf([3, 5], 60);
  gradcheck(() => x.softmax(-1), [x]);
  gradcheck(() => x.softmax(0), [x]);
  gradcheck(() => x.logSoftmax(-1), [x]);
  gradcheck(() => F.logSoftmax(x, 0), [x]);
});

// ---- higher order --------------------------------------------------------------------------------
check('grad with createGraph gives second derivatives: d²/dx² x³ = 6x', () => {
  const x = leafOf([-1.5, 0.5, 2], [3]);
  const [g] = grad(x.pow(3).sum(), [x], { createGraph: true });
  assert.deepEqual(g!.toFlatArray(), [6.75, 0.75, 12]); // 3x²
  assert.equal(g!.requiresGrad, true);
  const [h] = grad(g!.sum(), [x]);
  assert.deepEqual(h!.toFlatArray(), [-9, 3, 12]); // 6x
});
check('grad of a gradient passes gradcheck (double backward of softplus·tanh)', () => {
  const x = leaf([4], 61);
  gradcheck(() => grad(x.softplus().mul(x.tanh()).sum(), [x], { createGraph: true })[0]!, [x]);
});
check('backward with createGraph leaves a differentiable .grad', () => {
  const x = leafOf([2], [1]);
  x.pow(3).sum().backward(undefined, { createGraph: true });
  const g = x.grad!;
  assert.equal(g.item(), 12);
  const [h] = grad(g.sum(), [x]);
  assert.equal(h!.item(), 12);
});
check('grad rejects an input that does not require grad', () => {
  const x = tensor([1, 2], { dtype: 'float64' });
  const y = leafOf([3, 4], [2]);
  assert.throws(() => grad(x.mul(y).sum(), [x]), /input 0 does not require grad/);
});
check('grad: unused input is an error unless allowUnused (then null)', () => {
  const x = leafOf([1, 2], [2]), z = leafOf([3], [1]);
  assert.throws(() => grad(x.sum(), [x, z]), /not have been used in the graph/);
  const [gx, gz] = grad(x.mul(x).sum(), [x, z], { allowUnused: true });
  assert.deepEqual(gx!.toFlatArray(), [2, 4]);
  assert.equal(gz, null);
});
check('backward of a non-scalar without a gradient is an error', () => {
  const x = leafOf([1, 2], [2]);
  assert.throws(() => x.mul(2).backward(), /backward\(\) without a gradient needs a scalar/);
  x.mul(2).backward(tensor([1, 10], { dtype: 'float64' }));
  assert.deepEqual(x.grad!.toFlatArray(), [2, 20]);
});

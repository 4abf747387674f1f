// Memory ownership: tidy frees temporaries, returns survivors, frees on throw; keep; dispose.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, keep, liveTensors, mapBatches, noGrad, ones, setNumThreads, sumBatches, tensor, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import { MLP } from '../../src/nn/index.js';
import { Adam, EMA, clipGradNorm } from '../../src/optim/index.js';

before(() => setNumThreads(1));

test('tidy frees every temporary: liveTensors is unchanged after', () => {
  const x = ones([3]);
  const before = liveTensors();
  const s = tidy(() => {
    const a = x.mul(2), b = a.add(1), c = b.exp().log();
    c.split(1).forEach((t) => t.neg());
    return c.sum().item();
  });
  assert.equal(s, 9);
  assert.equal(liveTensors(), before);
  x.dispose();
});

test('tidy returns survivors: a tensor, an array, a plain object and a Map', () => {
  const before = liveTensors();
  const one = tidy(() => ones([2]).mul(3));
  const arr = tidy(() => [ones([1]), [zeros([1]).add(5)]] as const);
  const obj = tidy(() => ({ a: ones([1]).mul(2), nested: { b: ones([1]).mul(4) }, n: 1 }));
  const map = tidy(() => new Map([['k', ones([1]).mul(6)]]));
  assert.deepEqual(one.toFlatArray(), [3, 3]);
  assert.deepEqual(arr[1][0].toFlatArray(), [5]);
  assert.deepEqual(obj.nested.b.toFlatArray(), [4]);
  assert.deepEqual(map.get('k')!.toFlatArray(), [6]);
  assert.equal(liveTensors(), before + 6); // exactly the six returned tensors, nothing else
  for (const t of [one, arr[0], arr[1][0], obj.a, obj.nested.b, map.get('k')!]) t.dispose();
  assert.equal(liveTensors(), before);
});

test('tidy frees temporaries when fn throws, and rethrows', () => {
  const before = liveTensors();
  assert.throws(() => tidy(() => {
    ones([4]).mul(2);
    ones([4]).add(ones([5])); // shape error
  }), /add: The size of tensor/);
  assert.equal(liveTensors(), before);
  assert.throws(() => tidy(() => Promise.resolve(ones([1])) as never), /fn must be synchronous/);
});

test('nested tidy: the inner survivor belongs to the outer scope', () => {
  const before = liveTensors();
  let inner: Tensor | undefined;
  tidy(() => {
    inner = tidy(() => ones([2]).mul(2));
    assert.equal(inner.disposed, false);
    inner.add(1);
  });
  assert.equal(inner!.disposed, true);
  assert.equal(liveTensors(), before);
});

test('returning a caller-owned tensor from a nested tidy does not free it', () => {
  const p = ones([2]); // owned by the caller (no scope)
  tidy(() => {
    const same = tidy(() => p);
    assert.equal(same, p);
  });
  assert.equal(p.disposed, false, 'the outer scope freed a tensor it never owned');
  assert.deepEqual(p.toFlatArray(), [1, 1]);
  p.dispose();
});

test('keep() takes a tensor out of every open scope', () => {
  const before = liveTensors();
  let kept: Tensor | undefined, temp: Tensor | undefined;
  tidy(() => tidy(() => {
    kept = keep(ones([3]).mul(7));
    temp = ones([3]);
  }));
  assert.equal(temp!.disposed, true);
  assert.equal(kept!.disposed, false);
  assert.deepEqual(kept!.toFlatArray(), [7, 7, 7]);
  assert.equal(liveTensors(), before + 1);
  kept!.dispose();
  assert.equal(liveTensors(), before);
});

test('dispose twice is fine; a tensor disposed inside tidy is not disposed again', () => {
  const before = liveTensors();
  tidy(() => {
    const t = ones([2]);
    t.dispose();
    t.dispose();
    assert.equal(t.disposed, true);
  });
  assert.equal(liveTensors(), before);
});

test('a training step inside tidy leaves no tensors behind (module, Adam, EMA, clipping)', () => {
  const mlp = new MLP([2, 8, 1]);
  const opt = new Adam(mlp.namedParameters());
  const ema = new EMA(mlp, 0.9);
  const x = tensor([[1, 2], [3, 4]]);
  const step = () => tidy(() => {
    opt.zeroGrad();
    mlp.forward(x).square().mean().backward();
    clipGradNorm(mlp.parameters(), 1);
    opt.update();
    ema.update(mlp);
  });
  step();
  const before = liveTensors();
  for (let i = 0; i < 5; i++) step();
  assert.equal(liveTensors(), before);
  noGrad(() => mlp.forward(x)).dispose();
  for (const d of [x, mlp, opt, ema]) d.dispose();
});

test('mapBatches and sumBatches: ragged last batch, one scope per batch, bad batch size', () => {
  const x = arange(0, 10).float();
  const before = liveTensors();
  let peak = 0;
  const y = mapBatches(10, 4, (s, e) => {
    const r = x.slice(0, s, e).mul(2).add(1).sub(1);
    peak = Math.max(peak, liveTensors() - before);
    return r;
  });
  assert.deepEqual(y.toFlatArray(), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  // Inside the third batch: the two earlier batches' results and this batch's four tensors; no other batch's temporaries.
  assert.equal(peak, 2 + 4);
  assert.equal(liveTensors(), before + 1);
  const ranges: [number, number][] = [];
  assert.equal(sumBatches(10, 4, (s, e) => { ranges.push([s, e]); return x.slice(0, s, e).sum().item(); }), 45);
  assert.deepEqual(ranges, [[0, 4], [4, 8], [8, 10]]);
  assert.equal(liveTensors(), before + 1);
  assert.throws(() => sumBatches(10, 0, () => 0), /batch must be a positive integer, got 0/);
  y.dispose();
  x.dispose();
});

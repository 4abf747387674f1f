// Bad input gives a JS Error whose message names the op and the problem; the process never aborts.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { F, randn, setNumThreads, tensor, tidy } from '../../src/engine/index.js';

before(() => setNumThreads(1));

const check = (name: string, make: () => void): void => {
  test(name, () => tidy(make));
};

check('shape mismatch in add names the op and the sizes', () => {
  const a = randn([2, 3]), b = randn([4, 5]);
  assert.throws(() => a.add(b), { name: 'Error', message: /^add: The size of tensor a \(3\) must match the size of tensor b \(5\)/ });
  assert.throws(() => a.mul(randn([3, 2])), /mul: .*must match/);
});
check('shape mismatch in matmul and linear', () => {
  const a = randn([2, 3]), b = randn([4, 5]);
  assert.throws(() => a.matmul(b), /matmul: .*cannot be multiplied \(2x3 and 4x5\)/);
  assert.throws(() => F.linear(a, randn([2, 2])), /linear: .*cannot be multiplied/);
  assert.throws(() => randn([2, 3, 4]).bmm(randn([2, 5, 4])), /bmm: /);
});
check('wrong dtype: float index to indexSelect, gather and embedding', () => {
  const a = randn([3, 2]);
  const fidx = tensor([0, 1]);
  assert.throws(() => a.indexSelect(0, fidx), /indexSelect: .*Expected dtype int32 or int64 for index/);
  assert.throws(() => F.embedding(a, fidx), /embedding: .*'indices' to have one of the following scalar types: Long, Int/);
  assert.throws(() => a.gather(0, tensor([[0, 1]])), /gather: .*int64/);
});
check('out-of-range indices', () => {
  const a = randn([3, 2]);
  assert.throws(() => a.indexSelect(0, tensor([5], { dtype: 'int64' })), /indexSelect: index out of range/);
  assert.throws(() => F.embedding(a, tensor([7], { dtype: 'int64' })), /embedding: index out of range/);
  assert.throws(() => a.gather(1, tensor([[9]], { dtype: 'int64' })), /gather: index 9 is out of bounds/);
  assert.throws(() => a.select(0, 5), /select: .*index 5 out of range/);
  assert.throws(() => a.slice(4, 0), /slice: Dimension out of range/);
  assert.throws(() => F.crossEntropy(a.mT, tensor([0, 9], { dtype: 'int64' })), /crossEntropy: Target 9 is out of bounds/);
  assert.throws(() => a.size(2), /size: dim 2 out of range/);
});
check('an out-of-range index in a large multi-threaded gather is still an Error', () => {
  setNumThreads(2);
  try {
    const w = randn([1000, 8]);
    const idx = tensor(Array.from({ length: 100_000 }, (_, i) => (i === 77_777 ? 5000 : i % 1000)), { dtype: 'int64' });
    assert.throws(() => F.embedding(w, idx), /embedding: index out of range/);
  } finally {
    setNumThreads(1);
  }
});
check('other shape errors: reshape, view of a transposed tensor, conv rank, interpolate rank, item', () => {
  const a = randn([2, 3]);
  assert.throws(() => a.reshape(4, 2), /reshape: shape '\[4, 2\]' is invalid for input of size 6/);
  assert.throws(() => a.mT.view(6), /view: view size is not compatible/);
  assert.throws(() => F.conv2d(a, randn([1, 1, 3, 3])), /conv2d: Expected 3D \(unbatched\) or 4D \(batched\) input/);
  assert.throws(() => F.interpolate(a, { scale: 2 }), /interpolate: expects \[N, C, H, W\]/);
  assert.throws(() => a.item(), /item\(\) needs a tensor with one element, got shape \[2, 3\]/);
  assert.throws(() => tensor([[1, 2], [3]]), /tensor: 3 values do not fill shape \[2,2\]/);
  assert.throws(() => tensor([1], { dtype: 'float8' as never }), /tensor: unknown dtype 'float8'/);
});
test('use after dispose throws; dispose twice is fine', () => {
  const t = randn([2]);
  const u = randn([2]);
  t.dispose();
  assert.equal(t.disposed, true);
  assert.throws(() => t.add(1), /Tensor was used after dispose\(\)/);
  assert.throws(() => u.add(t), /used after dispose/);
  assert.throws(() => t.shape, /used after dispose/);
  t.dispose();
  u.dispose();
});
test('a child process that hits every error above exits normally (no abort)', () => {
  const script = `
    import { F, randn, tensor } from './src/engine/index.js';
    const a = randn([3, 2]);
    const bad = [() => a.add(randn([4])), () => a.matmul(a), () => a.indexSelect(0, tensor([0])),
      () => F.embedding(a, tensor([9], { dtype: 'int64' })), () => a.select(3, 0), () => { const t = randn([1]); t.dispose(); t.exp(); }];
    let n = 0;
    for (const f of bad) { try { f(); } catch (e) { if (e instanceof Error) n++; } }
    console.log('caught', n);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.signal, null, `child died by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /caught 6/);
});

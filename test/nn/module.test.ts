// Module: hierarchical parameter paths, registration, state dicts (round trip and the errors that
// name a key), training mode and casting.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, noGrad, randn, setNumThreads, tensor, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import { Linear, MLP, Module, ModuleList } from '../../src/nn/index.js';

before(() => setNumThreads(1));

/** enc (Linear) → blocks (two Linears), with a float and an integer buffer. */
class Net extends Module {
  readonly enc: Linear;
  readonly blocks: ModuleList<Linear>;
  readonly scale: Tensor;
  readonly seen: Tensor;
  constructor() {
    super();
    this.enc = this.module('enc', new Linear(3, 4));
    this.blocks = this.module('blocks', new ModuleList([new Linear(4, 4), new Linear(4, 2, { bias: false })]));
    this.scale = this.buffer('scale', tensor([2]));
    this.seen = this.buffer('seen', tensor([0], { dtype: 'int64' }));
  }
  forward(x: Tensor): Tensor {
    return this.blocks.items.reduce((h, l) => l.forward(h.silu()), this.enc.forward(x)).mul(this.scale);
  }
}

test('parameters and buffers are named by their path; stateDict holds both; numParameters counts scalars', () => {
  const net = new Net();
  const shapes = (l: [string, Tensor][]) => l.map(([n, t]) => `${n} [${t.shape}]`);
  assert.deepEqual(shapes(net.namedParameters()), [
    'enc.weight [4,3]', 'enc.bias [4]', 'blocks.0.weight [4,4]', 'blocks.0.bias [4]', 'blocks.1.weight [2,4]',
  ]);
  assert.deepEqual(shapes(net.namedBuffers()), ['scale [1]', 'seen [1]']);
  assert.deepEqual([...net.stateDict().keys()], [...net.namedParameters(), ...net.namedBuffers()].map(([n]) => n));
  assert.equal(net.numParameters(), 12 + 4 + 16 + 4 + 8);
  assert.ok(net.parameters().every((p) => p.requiresGrad && p.isLeaf));
  assert.ok(!net.scale.requiresGrad);
  net.dispose();
});

test('a name registered twice is refused, naming the class and the name', () => {
  class Twice extends Module {
    constructor() {
      super();
      this.param('w', zeros([1]));
      this.buffer('w', zeros([1]));
    }
  }
  assert.throws(() => new Twice(), /Twice: 'w' is registered twice/);
});

test('state dict round trip: another initialisation loads the values (copies, not aliases) and computes the same', () => tidy(() => {
  manualSeed(1);
  const a = new Net();
  manualSeed(2);
  const b = new Net();
  const x = randn([5, 3]);
  assert.notDeepEqual(b.forward(x).toFlatArray(), a.forward(x).toFlatArray());
  noGrad(() => a.seen.fill_(9));
  b.loadStateDict(a.stateDict());
  assert.deepEqual(b.forward(x).toFlatArray(), a.forward(x).toFlatArray());
  assert.deepEqual(b.seen.toFlatArray(), [9]);
  noGrad(() => a.enc.weight.fill_(0));
  assert.notDeepEqual(b.enc.weight.toFlatArray(), a.enc.weight.toFlatArray());
  a.dispose();
  b.dispose();
}));

test('Module.loadStateDict: wrong shape, missing key and unexpected key are named', () => {
  const m = new MLP([2, 3, 1]);
  try {
    tidy(() => {
      const wrong = new Map(m.stateDict());
      wrong.set('0.weight', zeros([4, 2]));
      assert.throws(() => m.loadStateDict(wrong), /loadStateDict\(MLP\): shape mismatch for 0\.weight: checkpoint \[4,2\] vs model \[3,2\]/);
      const missing = new Map(m.stateDict());
      missing.delete('1.bias');
      assert.throws(() => m.loadStateDict(missing), /missing keys: 1\.bias/);
      m.loadStateDict(missing, false); // non-strict tolerates it
      const extra = new Map(m.stateDict());
      extra.set('2.weight', zeros([1]));
      assert.throws(() => m.loadStateDict(extra), /unexpected keys: 2\.weight/);
    });
  } finally {
    m.dispose();
  }
});

test('train/eval set the mode recursively; to({ dtype }) casts float tensors in place and keeps the handles', () => tidy(() => {
  const net = new Net();
  net.eval();
  assert.deepEqual([net.training, net.enc.training, net.blocks.items[1]!.training], [false, false, false]);
  net.train();
  assert.ok(net.blocks.items[0]!.training);
  const w = net.enc.weight, before = w.toFlatArray();
  net.to({ dtype: 'float64' });
  assert.equal(net.enc.weight, w);
  assert.equal(w.dtype, 'float64');
  assert.deepEqual(w.toFlatArray(), before);
  assert.equal(net.scale.dtype, 'float64');
  assert.equal(net.seen.dtype, 'int64');
  assert.ok(w.requiresGrad);
  net.forward(randn([2, 3], { dtype: 'float64' })).sum().backward();
  assert.ok(w.grad !== null);
  net.zeroGrad();
  assert.equal(w.grad, null);
  net.dispose();
}));

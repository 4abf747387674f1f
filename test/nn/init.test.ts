// Initialisers: fan-in/fan-out, and the statistics of each scheme (bounds exactly, mean and
// variance within a few standard errors) against their closed forms.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, liveTensors, manualSeed, setNumThreads, tidy, type Tensor } from '../../src/engine/index.js';
import { Conv2d, Linear, MLP, init } from '../../src/nn/index.js';

before(() => setNumThreads(1));

/** Max |t| ≤ bound, |mean| within 4 standard errors of 0, and variance within `rel` of `variance`. */
function assertStats(t: Tensor, variance: number, o: { bound?: number; rel?: number } = {}): void {
  const n = t.numel, mean = t.mean().item(), v = t.var(undefined, { correction: 0 }).item();
  if (o.bound !== undefined) assert.ok(t.abs().max().item() <= o.bound, `max |w| ${t.abs().max().item()} > ${o.bound}`);
  assert.ok(Math.abs(mean) < 4 * Math.sqrt(variance / n), `mean ${mean}`);
  assert.ok(Math.abs(v / variance - 1) < (o.rel ?? 0.03), `variance ${v}, want ${variance}`);
}

test('fans: [out, in] and [out, in, k, k] count the receptive field', () => {
  assert.deepEqual(init.fans([8, 3]), { fanIn: 3, fanOut: 8 });
  assert.deepEqual(init.fans([16, 4, 3, 3]), { fanIn: 36, fanOut: 144 });
  assert.deepEqual(init.fans([5]), { fanIn: 1, fanOut: 5 });
});

test('uniform(±a) has variance a²/3 and normal(σ) variance σ²; a generator makes them reproducible', () => tidy(() => {
  manualSeed(0);
  assertStats(init.uniform([200, 100], 0.5), 0.25 / 3, { bound: 0.5 });
  assertStats(init.normal([200, 100], 2), 4);
  const draw = () => init.normal([5], 1, { generator: new Generator(9) }).toFlatArray();
  assert.deepEqual(draw(), draw());
}));

test('PyTorch\'s default U(±1/√fan_in), Xavier U(±g·√(6/(fan_in+fan_out))), Kaiming N(0, 2/fan_in)', () => tidy(() => {
  manualSeed(1);
  const b = 1 / Math.sqrt(64);
  assertStats(init.defaultWeight([256, 64]), b * b / 3, { bound: b });
  const x = 2 * Math.sqrt(6 / (100 + 300));
  assertStats(init.xavierUniform([300, 100], 2), x * x / 3, { bound: x });
  assertStats(init.kaimingNormal([64, 50, 3, 3]), 2 / 450);
}));

test('Linear and Conv2d use the default for weights and U(±1/√fan_in) for biases (fan_in per group)', () => tidy(() => {
  manualSeed(2);
  const lin = new Linear(400, 300);
  assertStats(lin.weight, 1 / 400 / 3, { bound: 1 / 20 });
  assertStats(lin.bias!, 1 / 400 / 3, { bound: 1 / 20, rel: 0.2 });
  const conv = new Conv2d(32, 64, 3, { groups: 4 }); // fan_in = 32/4 · 9 = 72
  assert.deepEqual(conv.weight.shape, [64, 8, 3, 3]);
  assertStats(conv.weight, 1 / 72 / 3, { bound: 1 / Math.sqrt(72), rel: 0.05 });
  assert.ok(conv.bias!.abs().max().item() <= 1 / Math.sqrt(72));
  lin.dispose();
  conv.dispose();
}));

test('initialisers and modules built outside any scope leave no temporaries: dispose frees everything they made', () => {
  const live = liveTensors();
  init.uniform([3, 4], 0.5).dispose();
  init.normal([3, 4], 2).dispose();
  new MLP([5, 16, 16, 2], 'silu').dispose();
  new Conv2d(3, 8, 3).dispose();
  assert.equal(liveTensors(), live);
});

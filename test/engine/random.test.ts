// Reproducibility: seeds, independent generators, saved states, and bit-identical training.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F, Generator, globalRngState, manualSeed, rand, randint, randn, randperm, setGlobalRngState, setNumThreads, tidy,
  type Tensor,
} from '../../src/engine/index.js';
import { MLP } from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';

before(() => setNumThreads(1));

const values = (t: Tensor): number[] => t.toFlatArray();
/** One draw of each kind from the global stream (or from `generator`). */
const draws = (generator?: Generator): number[][] => tidy(() => [
  values(randn([5], { generator })), values(rand([2, 3], { generator })), values(randint(0, 100, [6], { generator })),
  values(randn([3], { dtype: 'float64', generator })), values(randperm(7, { generator })),
]);

test('same manualSeed → identical randn/rand/randint; another seed → different', () => {
  manualSeed(42);
  const a = draws();
  manualSeed(42);
  const b = draws();
  assert.deepEqual(a, b);
  manualSeed(43);
  assert.notDeepEqual(draws(), a);
  // the draws are really random-looking, not constant
  assert.ok(new Set(a[0]).size === 5 && a[2]!.every((v) => Number.isInteger(v) && v >= 0 && v < 100));
});

test('a Generator gives its own stream, unaffected by the global one', () => {
  const g1 = new Generator(7);
  const first = draws(g1);
  g1.dispose();
  manualSeed(1);
  draws(); // consume the global stream
  const g2 = new Generator(7);
  manualSeed(999); // reseeding the global generator must not touch g2
  assert.deepEqual(draws(g2), first);
  // and drawing from g2 does not advance the global stream
  manualSeed(5);
  const global1 = draws();
  manualSeed(5);
  draws(g2);
  assert.deepEqual(draws(), global1);
  g2.dispose();
  assert.throws(() => g2.getState(), /Generator was used after dispose/);
});

test('getState/setState round-trips for a Generator and for the global stream', () => {
  const g = new Generator(3);
  draws(g);
  const s = g.getState();
  const next = draws(g);
  g.setState(s);
  assert.deepEqual(draws(g), next);
  g.dispose();

  manualSeed(11);
  draws();
  const gs = globalRngState();
  const gnext = draws();
  manualSeed(12345); // anything in between
  setGlobalRngState(gs);
  assert.deepEqual(draws(), gnext);
  assert.throws(() => setGlobalRngState(new Uint8Array(3)), /Error|state/i);
});

test('dropout with a Generator is reproducible', () => {
  const run = () => tidy(() => {
    const g = new Generator(21);
    const x = F.dropout(randn([100], { generator: g }), 0.5, true, g);
    g.dispose();
    return values(x);
  });
  const a = run();
  assert.deepEqual(run(), a);
  assert.ok(a.some((v) => v === 0) && a.some((v) => v !== 0));
});

/** Seeded MLP, 20 Adam steps on a fixed regression batch; returns the losses. */
function train(seed: number): number[] {
  manualSeed(seed);
  const mlp = new MLP([2, 32, 32, 1]);
  const opt = new Adam(mlp.namedParameters(), { lr: 1e-2 });
  const losses: number[] = [];
  tidy(() => {
    const x = randn([64, 2]);
    const y = x.select(1, 0).mul(x.select(1, 1)).unsqueeze(1);
    for (let i = 0; i < 20; i++) {
      losses.push(tidy(() => {
        opt.zeroGrad();
        const loss = F.mseLoss(mlp.forward(F.dropout(x, 0.1, true)), y);
        loss.backward();
        opt.update();
        return loss.item();
      }));
    }
  });
  opt.dispose();
  mlp.dispose();
  return losses;
}

test('an MLP trained 20 Adam steps twice from the same seed gives bit-identical losses', () => {
  const a = train(2024);
  const b = train(2024);
  assert.equal(a.length, 20);
  assert.deepEqual(b, a); // exact equality of every float
  assert.ok(a[19]! < a[0]!, `loss should fall: ${a[0]} → ${a[19]}`);
  assert.notDeepEqual(train(2025), a);
});

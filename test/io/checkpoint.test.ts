// Checkpoints: a round trip of model + Adam + EMA + RNG states, corrupt and truncated files, the
// refusal to write NaN/inf state, and state of the wrong dtype.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F, Generator, globalRngState, manualSeed, randn, setGlobalRngState, setNumThreads, tidy, type Tensor } from '../../src/engine/index.js';
import { MLP } from '../../src/nn/index.js';
import { Adam, EMA } from '../../src/optim/index.js';
import { NonFiniteStateError, loadCheckpoint, saveCheckpoint } from '../../src/io/index.js';

before(() => setNumThreads(1));

const dir = mkdtempSync(join(tmpdir(), 'disco-io-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const flat = (m: Map<string, Tensor>): Record<string, number[]> =>
  Object.fromEntries([...m].map(([k, t]) => [k, t.toFlatArray()]));

/** A model, its optimizer and EMA after a few training steps. */
function trained(seed: number, steps: number) {
  manualSeed(seed);
  const model = new MLP([2, 16, 2]);
  const opt = new Adam(model.namedParameters(), { lr: 1e-2 });
  const ema = new EMA(model, 0.9);
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      opt.zeroGrad();
      const x = randn([8, 2]);
      F.mseLoss(model.forward(x), x).backward();
      opt.update();
      ema.update(model);
    });
  }
  return { model, opt, ema, dispose: () => { model.dispose(); opt.dispose(); ema.dispose(); } };
}

test('checkpoint round trip restores model, Adam, EMA, RNG states and metadata exactly', () => {
  const path = join(dir, 'ckpt.safetensors');
  const a = trained(1, 5);
  const gen = new Generator(77);
  randn([3], { generator: gen }).dispose();
  const rng = { global: globalRngState(), data: gen.getState() };
  saveCheckpoint(path, { model: a.model.stateDict(), ema: a.ema, optimizers: { main: a.opt }, rng, meta: { step: 5, name: 'toy' } });
  // what the original would do next: one more step, and the next random draws
  const nextGlobal = tidy(() => randn([4]).toFlatArray());
  const nextGen = tidy(() => randn([4], { generator: gen }).toFlatArray());

  const b = trained(2, 1); // different weights and moments
  assert.notDeepEqual(flat(b.model.stateDict()), flat(a.model.stateDict()));
  const ck = loadCheckpoint(path);
  try {
    b.model.loadStateDict(ck.model);
    b.ema.load(ck.ema);
    ck.restoreOptimizer('main', b.opt);
    setGlobalRngState(ck.rng.get('global')!);
    const gen2 = new Generator(0);
    gen2.setState(ck.rng.get('data')!);
    assert.deepEqual(ck.meta, { step: 5, name: 'toy' });
    assert.deepEqual(flat(b.model.stateDict()), flat(a.model.stateDict()));
    assert.deepEqual(flat(b.ema.shadow), flat(a.ema.shadow));
    assert.equal(b.opt.step, 5);
    assert.deepEqual(flat(b.opt.stateDict().tensors), flat(a.opt.stateDict().tensors));
    assert.deepEqual(tidy(() => randn([4]).toFlatArray()), nextGlobal);
    assert.deepEqual(tidy(() => randn([4], { generator: gen2 }).toFlatArray()), nextGen);
    gen2.dispose();
    assert.throws(() => ck.restoreOptimizer('other', b.opt), /has no optimizer state 'other'/);
  } finally {
    ck.dispose();
    gen.dispose();
    a.dispose();
    b.dispose();
  }
});

test('a truncated checkpoint and one with a garbage header give clear errors', () => {
  const path = join(dir, 'bad.safetensors');
  const a = trained(3, 1);
  try {
    saveCheckpoint(path, { model: a.model.stateDict(), optimizers: { main: a.opt } });
  } finally {
    a.dispose();
  }
  const good = readFileSync(path);
  truncateSync(path, good.byteLength - 100);
  assert.throws(() => loadCheckpoint(path), /corrupt .*truncated/);
  truncateSync(path, 20);
  assert.throws(() => loadCheckpoint(path), /corrupt .*truncated/);
  truncateSync(path, 3);
  assert.throws(() => loadCheckpoint(path), /corrupt .*too short/);

  const garbage = Buffer.from(good);
  garbage.write('#!garbage{{{', 8, 'latin1'); // header length intact, JSON not
  writeFileSync(path, garbage);
  assert.throws(() => loadCheckpoint(path), /corrupt .*not valid JSON/);
  const huge = Buffer.from(good);
  huge.writeBigUInt64LE(0xffffffffffn, 0); // header length past the end of the file
  writeFileSync(path, huge);
  assert.throws(() => loadCheckpoint(path), /corrupt .*truncated/);
  writeFileSync(path, Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('null')]));
  assert.throws(() => loadCheckpoint(path), /corrupt .*header/);
  assert.throws(() => loadCheckpoint(join(dir, 'missing.safetensors')), /not found/);
});

test('saveCheckpoint refuses NaN/inf state (Adam moments included) and keeps the previous file', () => {
  const path = join(dir, 'guarded.safetensors');
  const a = trained(4, 2);
  try {
    saveCheckpoint(path, { model: a.model.stateDict(), ema: a.ema, optimizers: { adam: a.opt } });
    const before = readFileSync(path);
    a.opt.expAvgSq[0]!.fill_(Infinity);
    assert.throws(() => saveCheckpoint(path, { model: a.model.stateDict(), ema: a.ema, optimizers: { adam: a.opt } }),
      (e: Error) => e instanceof NonFiniteStateError && /refusing to write checkpoint .*guarded\.safetensors: .*optim\.adam\.exp_avg_sq\.0\.weight \(\d+ inf of \d+ values\)/.test(e.message));
    assert.deepEqual(readFileSync(path), before, 'the previous checkpoint is untouched');
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('guarded.safetensors.tmp')), []);
  } finally {
    a.dispose();
  }
});

test('loading state of the right shape but another dtype is refused by Module, Adam and EMA', () => {
  const a = trained(5, 1);
  try {
    const wrong = (sd: Map<string, Tensor>) => new Map([...sd].map(([k, t]) => [k, k.endsWith('0.weight') ? t.double() : t]));
    assert.throws(() => a.model.loadStateDict(wrong(a.model.stateDict())), /dtype mismatch for 0\.weight: checkpoint float64 vs model float32/);
    assert.throws(() => a.ema.load(wrong(a.ema.shadow)), /EMA state: dtype mismatch for 0\.weight/);
    const s = a.opt.stateDict();
    assert.throws(() => a.opt.loadStateDict({ step: s.step, tensors: wrong(s.tensors) }), /optimizer state: dtype mismatch for exp_avg\.0\.weight/);
  } finally {
    a.dispose();
  }
});

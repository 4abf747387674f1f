import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, type Tensor } from '../../src/engine/index.js';
import { loadCheckpoint } from '../../src/io/index.js';
import { CheckpointPolicy, EXPLOSION, type CheckpointSnapshot } from '../../src/train/checkpoint-policy.js';

/** A policy over one weight tensor `w` (checkpoint every 2 steps) and a reader of the step on disk. */
function setup(lastGood: number | null = null) {
  const path = join(mkdtempSync(join(tmpdir(), 'dd-ckpol-')), 'checkpoint.safetensors');
  const state = { w: tensor([1, 2], { dtype: 'float64' }) as Tensor };
  const policy = new CheckpointPolicy(path, () => ({ model: new Map([['w', state.w]]) }), lastGood, 2);
  const snap = (step: number) => (): CheckpointSnapshot => ({ step, rng: {}, meta: { step } });
  const onDisk = () => {
    if (!existsSync(path)) return null;
    const ck = loadCheckpoint(path);
    try { return { step: ck.meta.step, w: ck.model.get('w')!.toFlatArray() }; } finally { ck.dispose(); }
  };
  return { path, state, policy, snap, onDisk };
}

test('a checkpoint is written only once the next step measured a sound loss on its weights; the last step\'s at once', () => {
  const { policy, snap, onDisk, state } = setup();
  policy.afterStep(1, false, snap(1));
  policy.verify(2, 1, 1);
  assert.equal(onDisk(), null, 'step 1 is not a checkpoint step (every 2)');
  policy.afterStep(2, false, snap(2));
  assert.equal(onDisk(), null, 'taken, not yet verified');
  policy.verify(3, 0.5, 0.6);
  assert.deepEqual(onDisk(), { step: 2, w: [1, 2] });
  state.w = tensor([3, 4], { dtype: 'float64' });
  policy.afterStep(3, true, snap(3));
  assert.deepEqual(onDisk(), { step: 3, w: [3, 4] }, 'the last step has no next step to wait for');
});

test('a loss above EXPLOSION × the session\'s lowest, a non-finite loss or a non-finite tensor keeps the last good checkpoint', () => {
  const { path, policy, snap, onDisk, state } = setup();
  policy.verify(1, 2, 2);
  policy.afterStep(2, false, snap(2));
  policy.verify(3, 2 * EXPLOSION, 1); // exactly EXPLOSION × the lowest still passes
  assert.equal(onDisk()!.step, 2);
  policy.afterStep(4, false, snap(4));
  const lastGood = new RegExp(`The last good checkpoint is ${path.replace(/[.]/g, '\\.')} \\(step 2\\)`);
  assert.throws(() => policy.verify(5, 2.1 * EXPLOSION, 1), /diverged at step 5: the loss exploded to 2\.10e\+4 \(lowest so far 2\.00e\+0\)/);
  assert.throws(() => policy.verify(5, NaN, 1), /diverged at step 5: the loss is NaN/);
  assert.throws(() => policy.verify(5, 1, Infinity), lastGood);
  assert.equal(onDisk()!.step, 2);
  // A sound loss, but the weights of the checkpoint due hold a NaN: nothing is written.
  state.w = tensor([NaN, 1], { dtype: 'float64' });
  assert.throws(() => policy.verify(5, 1, 1), /diverged at step 4: the model, EMA or optimizer state holds non-finite values: model\.w \(1 NaN of 2 values\)/);
  assert.deepEqual(onDisk(), { step: 2, w: [1, 2] });
});

test('before any checkpoint the divergence says so; a resumed session names the checkpoint it started from', () => {
  assert.throws(() => setup().policy.verify(1, NaN, NaN), /diverged at step 1: the loss is NaN; .*No checkpoint was saved yet/);
  assert.throws(() => setup(40).policy.verify(41, Infinity, 1), /the loss is Infinity; .*\(step 40\): continue it with --resume/);
});

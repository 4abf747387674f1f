// Code restarts: dead-code re-seeding and split-and-merge, and writing their moves into the model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, full, zeros } from '../../../src/engine/index.js';
import { CodeRestarts } from '../../../src/disco/codebook/restarts.js';
import { setCentres } from '../../../src/disco/codebook/moves.js';
import { CIRCLE, assigned, nearestTrue } from './fixtures.js';

test('restarts: a dead code is re-seeded at a badly served point', () => {
  const r = new CodeRestarts(1, 8, { decay: 0 });
  // Modes 0 and 1 share code 0 (centre between them); code 7 is never used.
  const { points, codes } = assigned((mode) => (mode <= 1 ? 0 : mode - 1));
  r.observe(codes);
  const centres = [[[0.5 * (CIRCLE[0]![0]! + CIRCLE[1]![0]!), 0.5 * (CIRCLE[0]![1]! + CIRCLE[1]![1]!)], ...CIRCLE.slice(2), [0, 0]]];
  const moves = r.plan(points, codes, centres, new Generator(2));
  assert.equal(moves.length, 1);
  assert.equal(moves[0]!.code, 7);
  assert.equal(moves[0]!.reason, 'dead');
  assert.equal(moves[0]!.donor, 0, 'the code that served the new centre\'s region donates its logit');
  assert.ok(moves[0]!.std > 0.1 && moves[0]!.std < 0.4, `std ${moves[0]!.std}`);
  // The new centre is a point of mode 0 or 1: the only badly served ones.
  const at = moves[0]!.centre;
  assert.ok(Math.min(Math.hypot(at[0]! - CIRCLE[0]![0]!, at[1]! - CIRCLE[0]![1]!),
    Math.hypot(at[0]! - CIRCLE[1]![0]!, at[1]! - CIRCLE[1]![1]!)) < 1);
  assert.equal(r.usage[0]![7], 1 / 8, 'a re-seeded code gets a fresh usage share');
});

test('restarts: split-and-merge fixes two modes in one code and one mode in two codes, and leaves a good partition alone', () => {
  // Modes 0 and 1 → code 0; mode 7 split into codes 6 and 7; other modes one code each.
  const bad = assigned((mode, i) => (mode <= 1 ? 0 : mode < 7 ? mode - 1 : 6 + (i % 2)));
  const r = new CodeRestarts(1, 8, { decay: 0 });
  r.observe(bad.codes);
  const before = [...r.usage[0]!];
  const moves = r.plan(bad.points, bad.codes, [Array.from({ length: 8 }, () => [0, 0])], new Generator(3));
  assert.deepEqual(moves.map((m) => m.reason).sort(), ['merge', 'split', 'split']);
  const merged = moves.find((m) => m.reason === 'merge')!;
  assert.ok([6, 7].includes(merged.code));
  assert.ok(Math.hypot(merged.centre[0]! - CIRCLE[7]![0]!, merged.centre[1]! - CIRCLE[7]![1]!) < 0.15);
  const halves = moves.filter((m) => m.reason === 'split');
  assert.ok(halves.some((m) => m.code === 0));
  for (const h of halves) {
    assert.ok(nearestTrue(h.centre) < 0.15, `split centre ${h.centre} is not at a mode`);
    assert.ok(Math.abs(h.std - 0.2) < 0.06, `split std ${h.std}`);
  }
  // Usage: the merged code pools the pair's share, the split code's share is halved and the freed code takes the other half.
  const freed = halves.find((m) => m.code !== 0)!.code;
  assert.ok(Math.abs(r.usage[0]![merged.code]! - (before[6]! + before[7]!)) < 1e-12);
  assert.ok(Math.abs(r.usage[0]![0]! - before[0]! / 2) < 1e-12);
  assert.ok(Math.abs(r.usage[0]![freed]! - before[0]! / 2) < 1e-12);
  // One code per mode: nothing to do.
  const good = assigned((mode) => mode);
  const r2 = new CodeRestarts(1, 8, { decay: 0 });
  r2.observe(good.codes);
  assert.deepEqual(r2.plan(good.points, good.codes, [CIRCLE], new Generator(4)), []);
});

test('restart state round-trips and a state of the wrong shape is refused', () => {
  const r = new CodeRestarts(2, 3, { decay: 0.5 });
  r.observe([0, 1, 0, 2]);
  const r2 = new CodeRestarts(2, 3);
  r2.restore(r.state());
  assert.deepEqual(r2.usage, r.usage);
  assert.deepEqual(r.usage[0], [0.5 / 3 + 0.5, 0.5 / 3, 0.5 / 3]);
  assert.throws(() => new CodeRestarts(1, 3).restore(r.state()), /shape \[2, 3\], expected \[1, 3\]/);
});

test('setCentres writes the chosen rows and resets their log-stds', () => {
  const means = zeros([2, 3, 2]), logStds = full([2, 3], 0.5);
  setCentres(means, logStds, [{ latent: 1, code: 2, centre: [4, -5], reason: 'dead', std: 0.25 },
    { latent: 0, code: 0, centre: [1, 1], reason: 'dead', std: 0 }], 0.01);
  assert.deepEqual(means.toFlatArray(), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 4, -5]);
  const ls = logStds.toFlatArray();
  assert.ok(Math.abs(ls[5]! - Math.log(0.25)) < 1e-6 && Math.abs(ls[0]! - Math.log(0.01)) < 1e-6, 'std floored at minStd');
  assert.deepEqual(ls.slice(1, 5), [0.5, 0.5, 0.5, 0.5]);
});

// Request validation of `disco-diff serve`: defaults from the run, and a BadRequest naming each bad field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleConfig } from '../../src/config/schema.js';
import { SAMPLER_NAMES, type DiffusionFacts } from '../../src/serve/facts.js';
import { LIMITS } from '../../src/serve/limits.js';
import { BadRequest, parseJobRequest } from '../../src/serve/validate.js';

/** Facts of an image run with 2 latents of 4 codes and a prior, unless overridden. */
function facts(o: Partial<DiffusionFacts> = {}): DiffusionFacts {
  return { name: 'r', run: 'runs/r', kind: 'images', shape: [1, 16, 16], step: 10, latents: { m: 2, k: 4 }, prior: true,
    numClasses: 0, sample: SampleConfig.parse({ steps: 6 }), samplers: SAMPLER_NAMES, palette: ['#000'], limits: LIMITS, ...o };
}

const rejects = (body: unknown, f: DiffusionFacts, re: RegExp) =>
  assert.throws(() => parseJobRequest(body, f), (e: Error) => e instanceof BadRequest && re.test(e.message), `${JSON.stringify(body)} → ${re}`);

test('omitted fields take the run\'s defaults', () => {
  assert.deepEqual(parseJobRequest({ kind: 'images' }, facts()), { kind: 'images', n: 16, steps: 6, sampler: 'heun', guidance: 1,
    seed: 0, latentSeed: 0, latents: [null, null], class: null });
  assert.deepEqual(parseJobRequest({ kind: 'images' }, facts({ prior: false })).latents, [0, 0]);
  const sw = parseJobRequest({ kind: 'switch', latents: [1, null], switchLatents: [3, 3], sigma: 0.5 }, facts());
  assert.deepEqual([sw.kind, sw.n, sw.latents, sw.kind === 'switch' && sw.sigma], ['switch', 8, [1, null], 0.5]);
  const points = facts({ kind: 'points', shape: [2], latents: { m: 1, k: 8 } });
  const p = parseJobRequest({ kind: 'points', n: 20 }, points);
  assert.equal(p.kind === 'points' && p.trajectories, 20, 'trajectories default to min(50, n)');
  assert.equal((parseJobRequest({ kind: 'points' }, points) as { trajectories: number }).trajectories, 50);
});

test('every bad field is a 400 naming it', () => {
  const f = facts();
  for (const [body, re] of [
    [{ kind: 'images', n: 65 }, /^n: must be an integer from 1 to 64$/],
    [{ kind: 'images', n: 2.5 }, /^n: must be an integer/],
    [{ kind: 'images', n: '4' }, /^n: must be an integer/],
    [{ kind: 'images', n: 0, steps: 201 }, /^n: must be an integer from 1 to 64; steps: must be an integer from 1 to 200$/],
    [{ kind: 'images', sampler: 'ddim' }, /^sampler: must be one of heun, euler, stochastic/],
    [{ kind: 'images', guidance: 11 }, /^guidance: must be a number from 0 to 10$/],
    [{ kind: 'images', guidance: null }, /^guidance: must be a number/],
    [{ kind: 'images', seed: -1 }, /^seed: must be an integer from 0 to 2147483647$/],
    [{ kind: 'images', latentSeed: 2 ** 31 }, /^latentSeed: must be an integer/],
    [{ kind: 'images', latents: [0] }, /^latents: must list 2 latent choices$/],
    [{ kind: 'images', latents: 'prior' }, /^latents: must be a list of 2 latent choices$/],
    [{ kind: 'images', latents: [0, 4] }, /^latents\.1: must be null \(drawn from the prior\) or a code from 0 to 3$/],
    [{ kind: 'images', class: 0 }, /^class: this run is not class-conditional/],
    [{ kind: 'images', file: '../config.json' }, /Unrecognized key.*file/],
    [{ kind: 'switch', sigma: 100 }, /^sigma: must be a number from 0.002 to 80$/],
    [{ kind: 'switch', switchLatents: [null, -1] }, /^switchLatents\.1: must be null/],
    [{ kind: 'points' }, /^kind: must be 'images' or 'switch' for this images run, got "points"$/],
    [null, /^kind: must be/], [[1, 2], /^kind: must be/], ['images', /^kind: must be/],
  ] as const) rejects(body, f, re);
  rejects({ kind: 'images', latents: [null, 1] }, facts({ prior: false }), /^latents\.0: must be a code from 0 to 3 \(this run has no trained prior/);
  rejects({ kind: 'images', class: 10 }, facts({ numClasses: 10 }), /^class: must be an integer from 0 to 9$/);
  assert.equal((parseJobRequest({ kind: 'images', class: 9 }, facts({ numClasses: 10 })) as { class: number }).class, 9);
  const plain = facts({ latents: null, prior: false });
  rejects({ kind: 'images', latents: [0] }, plain, /^latents: this run has no latents: must be empty$/);
  rejects({ kind: 'switch' }, plain, /^kind: latent switching needs a run with latents/);
  const points = facts({ kind: 'points', shape: [2], latents: { m: 1, k: 8 } });
  rejects({ kind: 'points', n: 10, trajectories: 11 }, points, /^trajectories: must be at most n \(10\)$/);
  rejects({ kind: 'points', n: 4001 }, points, /^n: must be an integer from 1 to 4000$/);
  rejects({ kind: 'images' }, points, /^kind: must be 'points' for this points run/);
});

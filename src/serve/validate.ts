/**
 * Validation of job requests against the served run: every field is checked (integers, ranges,
 * the cap on samples per request, codes below k, classes below the class count) and a bad one is
 * a `BadRequest` naming it. Omitted fields take the run's defaults.
 */
import { z } from 'zod';
import type { SampleConfig } from '../config/schema.js';
import { LIMITS, SAMPLER_NAMES, type RunFacts } from './facts.js';

/** A request the server refuses with 400 and this message. */
export class BadRequest extends Error {}

/** Per latent: a code 0..k−1, or null to draw it from the prior. */
export type LatentChoice = number | null;

interface SamplingParams {
  n: number;
  steps: number;
  sampler: SampleConfig['sampler'];
  guidance: number;
  /** Seed of the initial noise (and of the stochastic sampler's churn). */
  seed: number;
  /** Seed of the prior's draws of the latents left to it (and of random class labels). */
  latentSeed: number;
  latents: LatentChoice[];
}

/** A grid of image samples. */
export interface ImagesRequest extends SamplingParams {
  kind: 'images';
  /** Class label for every sample, or null for random labels (class-conditional runs). */
  class: number | null;
}

/** The same noise sampled with latents z₁, with z₁ switched to z₂ below σ, and with z₂. */
export interface SwitchRequest extends SamplingParams {
  kind: 'switch';
  class: number | null;
  switchLatents: LatentChoice[];
  switchSeed: number;
  sigma: number;
}

/** A 2-D scatter with ODE trajectories and fresh data to compare. */
export interface PointsRequest extends SamplingParams {
  kind: 'points';
  trajectories: number;
}

export type JobRequest = ImagesRequest | SwitchRequest | PointsRequest;

/** Parses a request body (JSON) for the run; throws BadRequest listing each bad field. */
export function parseJobRequest(body: unknown, facts: RunFacts): JobRequest {
  const kinds = facts.kind === 'images' ? ['images', 'switch'] : ['points'];
  const kind = (body as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !kinds.includes(kind)) {
    throw new BadRequest(`kind: must be ${kinds.map((k) => `'${k}'`).join(' or ')} for this ${facts.kind} run, got ${JSON.stringify(kind)}`);
  }
  if (kind === 'switch' && !facts.latents) throw new BadRequest('kind: latent switching needs a run with latents (this is a plain EDM run)');
  const schema = kind === 'images' ? imagesSchema(facts) : kind === 'switch' ? switchSchema(facts) : pointsSchema(facts);
  const r = schema.safeParse(body);
  if (!r.success) {
    const first = new Map<string, string>(); // one message per field
    for (const i of r.error.issues) if (!first.has(i.path.join('.'))) first.set(i.path.join('.'), i.message);
    throw new BadRequest([...first].map(([path, message]) => `${path || 'request'}: ${message}`).join('; '));
  }
  if (r.data.kind !== 'points') return r.data;
  const { trajectories = Math.min(50, r.data.n), ...rest } = r.data;
  if (trajectories > rest.n) throw new BadRequest(`trajectories: must be at most n (${rest.n})`);
  return { ...rest, trajectories };
}

/** An integer lo..hi (any number with `real`); `error` replaces the message. */
function inRange(lo: number, hi: number, o: { real?: boolean; error?: string } = {}) {
  const error = o.error ?? `must be ${o.real ? 'a number' : 'an integer'} from ${lo} to ${hi}`;
  const n = z.number({ error }).min(lo, { error }).max(hi, { error });
  return o.real ? n : n.int({ error });
}

/** m choices, each a code 0..k−1 or (with a prior) null; default: all from the prior, else all code 0. */
function latentChoices(facts: RunFacts) {
  const { m, k } = facts.latents ?? { m: 0, k: 1 };
  const choice = facts.prior
    ? inRange(0, k - 1, { error: `must be null (drawn from the prior) or a code from 0 to ${k - 1}` }).nullable()
    : inRange(0, k - 1, { error: `must be a code from 0 to ${k - 1} (this run has no trained prior to draw from)` });
  return z.array(choice, { error: `must be a list of ${m} latent choices` })
    .length(m, { error: m ? `must list ${m} latent choices` : 'this run has no latents: must be empty' })
    .default(Array<LatentChoice>(m).fill(facts.prior ? null : 0));
}

/** The fields every request shares, with the run's defaults. */
function samplingFields(facts: RunFacts, nMax: number, nDefault: number) {
  const s = facts.sample;
  return {
    n: inRange(1, nMax).default(nDefault),
    steps: inRange(1, LIMITS.steps).default(Math.min(s.steps, LIMITS.steps)),
    sampler: z.enum(SAMPLER_NAMES, { error: `must be one of ${SAMPLER_NAMES.join(', ')}` }).default(s.sampler),
    guidance: inRange(...LIMITS.guidance, { real: true }).default(s.guidance),
    seed: inRange(0, LIMITS.seed).default(0),
    latentSeed: inRange(0, LIMITS.seed).default(0),
    latents: latentChoices(facts),
  };
}

function classField(facts: RunFacts) {
  const C = facts.numClasses;
  return C ? inRange(0, C - 1).nullable().default(null)
    : z.null({ error: 'this run is not class-conditional: must be null' }).default(null);
}

function imagesSchema(facts: RunFacts) {
  return z.strictObject({ kind: z.literal('images'), ...samplingFields(facts, LIMITS.images, 16), class: classField(facts) });
}

function switchSchema(facts: RunFacts) {
  const { sigmaMin, sigmaMax } = facts.sample;
  return z.strictObject({
    kind: z.literal('switch'), ...samplingFields(facts, LIMITS.images, 8), class: classField(facts),
    switchLatents: latentChoices(facts), switchSeed: inRange(0, LIMITS.seed).default(1),
    sigma: inRange(sigmaMin, sigmaMax, { real: true }).default(Math.min(Math.max(1, sigmaMin), sigmaMax)),
  });
}

function pointsSchema(facts: RunFacts) {
  return z.strictObject({ kind: z.literal('points'), ...samplingFields(facts, LIMITS.points, 1000),
    trajectories: inRange(0, LIMITS.trajectories).optional() });
}

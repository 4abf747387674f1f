/**
 * Validation of job requests against the served run: every field is checked (integers, ranges,
 * the cap on samples per request, codes below k, classes below the class count, a docking
 * complex's modes and nodes) and a bad one is a `BadRequest` naming it. Omitted fields take the
 * run's defaults.
 */
import { z } from 'zod';
import type { SampleConfig } from '../config/schema.js';
import { SAMPLER_NAMES, type DiffusionFacts, type RunFacts } from './facts.js';
import { LIMITS } from './limits.js';
import type { DockingFacts } from './docking-facts.js';

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

/**
 * Where a docking request's latents come from: the prior (a z per pose), draws of the encoder's
 * z on reference mode `mode` of the complex (a z per pose), `nodes` (one node index per latent), or
 * none (latents dropped: the learned unconditional embeddings; the only source of a docking DM).
 */
export type LatentSource = { kind: 'prior' } | { kind: 'mode'; mode: number } | { kind: 'nodes'; nodes: number[] } | { kind: 'none' };

/** Poses of a test complex of a docking run under one latent source. */
export interface PosesRequest {
  kind: 'poses';
  /** Index into the run facts' complexes. */
  complex: number;
  n: number;
  steps: number;
  /** Seed of the poses' noise. */
  seed: number;
  /** Seed of the latents' draws (from the prior or the encoder). */
  latentSeed: number;
  z: LatentSource;
}

/** A request to a diffusion run (2-D points or images). */
export type DiffusionRequest = ImagesRequest | SwitchRequest | PointsRequest;

export type JobRequest = DiffusionRequest | PosesRequest;

/** The job kinds of each kind of run. */
const JOB_KINDS = { images: ['images', 'switch'], points: ['points'], docking: ['poses'] } as const;

/** Parses a request body (JSON) for the run; throws BadRequest listing each bad field. */
export function parseJobRequest(body: unknown, facts: DiffusionFacts): DiffusionRequest;
export function parseJobRequest(body: unknown, facts: DockingFacts): PosesRequest;
export function parseJobRequest(body: unknown, facts: RunFacts): JobRequest;
export function parseJobRequest(body: unknown, facts: RunFacts): JobRequest {
  const kinds: readonly string[] = JOB_KINDS[facts.kind];
  const kind = (body as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !kinds.includes(kind)) {
    throw new BadRequest(`kind: must be ${kinds.map((k) => `'${k}'`).join(' or ')} for this ${facts.kind} run, got ${JSON.stringify(kind)}`);
  }
  if (facts.kind === 'docking') return checkPoses(parsed(posesSchema(facts), body), facts);
  if (kind === 'switch' && !facts.latents) throw new BadRequest('kind: latent switching needs a run with latents (this is a plain EDM run)');
  const data = parsed(kind === 'images' ? imagesSchema(facts) : kind === 'switch' ? switchSchema(facts) : pointsSchema(facts), body);
  if (data.kind !== 'points') return data;
  const { trajectories = Math.min(50, data.n), ...rest } = data;
  if (trajectories > rest.n) throw new BadRequest(`trajectories: must be at most n (${rest.n})`);
  return { ...rest, trajectories };
}

/** The body parsed by `schema`; a BadRequest with one message per bad field otherwise. */
function parsed<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const first = new Map<string, string>(); // one message per field
  for (const i of r.error.issues) if (!first.has(i.path.join('.'))) first.set(i.path.join('.'), i.message);
  throw new BadRequest([...first].map(([path, message]) => `${path || 'request'}: ${message}`).join('; '));
}

/** An integer lo..hi (any number with `real`); `error` replaces the message. */
function inRange(lo: number, hi: number, o: { real?: boolean; error?: string } = {}) {
  const error = o.error ?? `must be ${o.real ? 'a number' : 'an integer'} from ${lo} to ${hi}`;
  const n = z.number({ error }).min(lo, { error }).max(hi, { error });
  return o.real ? n : n.int({ error });
}

/** m choices, each a code 0..k−1 or (with a prior) null; default: all from the prior, else all code 0. */
function latentChoices(facts: DiffusionFacts) {
  const { m, k } = facts.latents ?? { m: 0, k: 1 };
  const choice = facts.prior
    ? inRange(0, k - 1, { error: `must be null (drawn from the prior) or a code from 0 to ${k - 1}` }).nullable()
    : inRange(0, k - 1, { error: `must be a code from 0 to ${k - 1} (this run has no trained prior to draw from)` });
  return z.array(choice, { error: `must be a list of ${m} latent choices` })
    .length(m, { error: m ? `must list ${m} latent choices` : 'this run has no latents: must be empty' })
    .default(Array<LatentChoice>(m).fill(facts.prior ? null : 0));
}

/** The fields every request shares, with the run's defaults. */
function samplingFields(facts: DiffusionFacts, nMax: number, nDefault: number) {
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

function classField(facts: DiffusionFacts) {
  const C = facts.numClasses;
  return C ? inRange(0, C - 1).nullable().default(null)
    : z.null({ error: 'this run is not class-conditional: must be null' }).default(null);
}

function imagesSchema(facts: DiffusionFacts) {
  return z.strictObject({ kind: z.literal('images'), ...samplingFields(facts, LIMITS.images, 16), class: classField(facts) });
}

function switchSchema(facts: DiffusionFacts) {
  const { sigmaMin, sigmaMax } = facts.sample;
  return z.strictObject({
    kind: z.literal('switch'), ...samplingFields(facts, LIMITS.images, 8), class: classField(facts),
    switchLatents: latentChoices(facts), switchSeed: inRange(0, LIMITS.seed).default(1),
    sigma: inRange(sigmaMin, sigmaMax, { real: true }).default(Math.min(Math.max(1, sigmaMin), sigmaMax)),
  });
}

function pointsSchema(facts: DiffusionFacts) {
  return z.strictObject({ kind: z.literal('points'), ...samplingFields(facts, LIMITS.points, 1000),
    trajectories: inRange(0, LIMITS.trajectories).optional() });
}

/** A latent source of any kind; which ones the run and the complex allow is `checkPoses`'s job. */
function latentSource(facts: DockingFacts) {
  const m = facts.latents?.m ?? 0;
  const error = "must be { kind: 'prior' }, { kind: 'mode', mode }, { kind: 'nodes', nodes } or { kind: 'none' }";
  const index = inRange(0, Number.MAX_SAFE_INTEGER, { error: 'must be an integer from 0' });
  const source = z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('prior') }),
    z.strictObject({ kind: z.literal('mode'), mode: index }),
    z.strictObject({ kind: z.literal('nodes'), nodes: z.array(index, { error: `must be a list of ${m} node indices` })
      .length(m, { error: m ? `must list ${m} node indices, one per latent` : 'this run has no latents' }) }),
    z.strictObject({ kind: z.literal('none') }),
  ], { error });
  const byDefault: LatentSource = facts.prior ? { kind: 'prior' } : facts.latents ? { kind: 'mode', mode: 0 } : { kind: 'none' };
  return source.default(byDefault);
}

function posesSchema(facts: DockingFacts) {
  const { limits, sample } = facts;
  return z.strictObject({
    kind: z.literal('poses'),
    complex: inRange(0, facts.complexes.length - 1, { error: `must be the index of a complex, from 0 to ${facts.complexes.length - 1}` }).default(0),
    n: inRange(1, limits.poses).default(sample.n),
    steps: inRange(1, limits.steps).default(sample.steps),
    seed: inRange(0, limits.seed).default(0),
    latentSeed: inRange(0, limits.seed).default(0),
    z: latentSource(facts),
  });
}

/** The checks of a poses request that need its complex and the run: the latent source it allows, its modes and nodes. */
function checkPoses(r: PosesRequest, facts: DockingFacts): PosesRequest {
  const c = facts.complexes[r.complex]!, z = r.z, name = `complex ${r.complex} (${c.receptor}/${c.id})`;
  const bad: string[] = [];
  if (z.kind !== 'none' && !facts.latents) bad.push("z: this run is a docking DM without latents: must be { kind: 'none' }");
  else if (z.kind === 'prior' && !facts.prior) bad.push('z: this run has no trained prior (run `disco-diff train-prior`): choose a mode\'s z, nodes or none');
  else if (z.kind === 'mode' && z.mode >= c.modes) bad.push(`z.mode: ${name} has ${c.modes} reference modes: must be from 0 to ${c.modes - 1}`);
  else if (z.kind === 'nodes') {
    const nodes = c.atoms + c.residues;
    z.nodes.forEach((v, i) => {
      if (v >= nodes) bad.push(`z.nodes.${i}: ${name} has ${nodes} nodes (ligand atoms 0–${c.atoms - 1}, residues ${c.atoms}–${nodes - 1}): must be from 0 to ${nodes - 1}`);
    });
  }
  if (bad.length) throw new BadRequest(bad.join('; '));
  return r;
}

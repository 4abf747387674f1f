/** The evaluation side of the CLI: eval, plot and the 8-Gaussians demo, for vector (toy or array) and image runs. */
import { existsSync } from 'node:fs';
import { packagePath, writeTextAtomic } from '../io/index.js';
import { join } from 'node:path';
import { loadConfig, loadStoredConfig } from '../config/load.js';
import { trainStage1 } from '../train/stage1.js';
import { trainPrior } from '../train/stage2.js';
import { RunDir } from '../train/run-dir.js';
import { loadPrior, loadRun } from '../train/load-run.js';
import { evaluateToyRun } from './toy.js';
import { compareFigures, runFigures, summary, writeReport } from './toy-report.js';
import { writeEvalMetrics } from './metrics-file.js';
import type { SamplingOverrides } from '../disco/sample.js';
import type { ProcessGroup } from '../parallel/group.js';

const CONFIGS = packagePath('configs');

/** True for a run on vector data (a toy set or an array of points [N, D]); false for images. */
function isVector(dir: string): boolean {
  new RunDir(dir).require();
  const kind = loadStoredConfig(new RunDir(dir).config).data.kind;
  return kind === 'toy' || kind === 'array';
}

/**
 * Measures a run and writes RUN/metrics.json. With a data-parallel `group` (every rank reads the
 * run) the ranks draw the samples together and rank 0 writes.
 */
export async function evaluateRun(dir: string, o: { n?: number; seed?: number; draws?: number; group?: ProcessGroup | null } &
  Pick<SamplingOverrides, 'steps' | 'sampler' | 'restart'> = {}): Promise<Record<string, unknown>> {
  if (!isVector(dir)) {
    if (o.draws) throw new Error('eval --draws applies to vector (toy or array) runs; an image run reports FD on --n samples');
    return (await import('./images.js')).evaluateImageRun(dir, o);
  }
  if (o.steps || o.sampler || o.restart) {
    throw new Error('eval --steps/--sampler/--restart apply to image runs; vector (toy or array) runs report a low-NFE table (lowNfe)');
  }
  const { metrics, artifacts } = evaluateToyRun(dir, o);
  artifacts.dispose();
  if (!o.group || o.group.rank === 0) writeEvalMetrics(new RunDir(dir).evalMetrics, metrics);
  return metrics as unknown as Record<string, unknown>;
}

/** Draws a run's figures (with a baseline run: the DM vs DisCo-Diff comparison). */
export async function plotRun(dir: string, o: { baseline?: string; seed?: number } = {}): Promise<Record<string, string>> {
  const run = new RunDir(dir);
  if (!isVector(dir)) return (await import('./images.js')).plotImageRun(dir, o);
  if (o.baseline) checkBaseline(dir, o.baseline);
  const side = evaluateToyRun(dir, { seed: o.seed });
  try {
    if (!o.baseline) return runFigures(run.figures, side);
    const base = evaluateToyRun(o.baseline, { seed: o.seed });
    try {
      const [dm, disco] = side.metrics.latents ? [base, side] : [side, base];
      return compareFigures(run.figures, dm, disco);
    } finally {
      base.artifacts.dispose();
    }
  } finally {
    side.artifacts.dispose();
  }
}

/**
 * Fails at once, not after the run's own evaluation, when the baseline is missing, not a vector
 * run, its prior is missing or stale, its points differ in dimension from the run's, or neither
 * run has latents.
 */
function checkBaseline(dir: string, baseline: string): void {
  try {
    if (!isVector(baseline)) throw new Error(`${baseline} is not a vector (toy or array) run`);
    const L = loadRun(baseline);
    try {
      if (L.model.encoder) loadPrior(L.run, L.cfg, 0).dispose();
      const own = loadRun(dir), ownLatents = !!own.model.encoder;
      own.model.dispose();
      const D = { run: own.info.shape[0], baseline: L.info.shape[0] };
      if (D.run !== D.baseline) throw new Error(`its points have D = ${D.baseline}, the run's have D = ${D.run}`);
      if (!L.model.encoder && !ownLatents) throw new Error('neither run has latents; one of the two must be a DisCo-Diff run');
    } finally {
      L.model.dispose();
    }
  } catch (e) {
    throw new Error(`--baseline: ${(e as Error).message}`);
  }
}

/**
 * The main job: plain DM and DisCo-Diff on 8 Gaussians with the configs in configs/, the prior,
 * evaluation at n = 4000, figures and OUT/report.md + OUT/metrics.json. `seed` is both runs'
 * train.seed (that of the configs when omitted). Re-running resumes or reuses finished runs of the
 * same seed.
 */
export async function runDemo(out: string, o: { steps?: number; quiet?: boolean; seed?: number } = {}) {
  const speed: Record<string, number> = {};
  for (const [name, file] of [['dm', 'toy-edm.yaml'], ['disco', 'toy-disco.yaml']] as const) {
    const cfg = loadConfig(join(CONFIGS, file));
    if (o.steps) cfg.train.steps = o.steps;
    if (o.seed !== undefined) cfg.train.seed = o.seed;
    const dir = join(out, name);
    const resume = existsSync(new RunDir(dir).checkpoint);
    const trained = resume ? loadStoredConfig(new RunDir(dir).config).train.seed : cfg.train.seed;
    if (trained !== cfg.train.seed) {
      throw new Error(`${dir} was trained with seed ${trained}, not ${cfg.train.seed}: give another --out (or delete it)`);
    }
    const r = await trainStage1(cfg, dir, { resume, quiet: o.quiet });
    speed[name] = r.stepsPerSec;
  }
  await trainPrior(join(out, 'disco'), { quiet: o.quiet });
  const dm = evaluateToyRun(join(out, 'dm'));
  const disco = evaluateToyRun(join(out, 'disco'));
  try {
    for (const [side, name] of [[dm, 'dm'], [disco, 'disco']] as const) {
      writeEvalMetrics(new RunDir(join(out, name)).evalMetrics, side.metrics);
    }
    const s = summary(dm.metrics, disco.metrics, { dm: speed.dm!, disco: speed.disco! });
    const figures = compareFigures(join(out, 'figures'), dm, disco);
    writeTextAtomic(join(out, 'metrics.json'), JSON.stringify(s, null, 2));
    writeReport(join(out, 'report.md'), s, figures);
    return s;
  } finally {
    dm.artifacts.dispose();
    disco.artifacts.dispose();
  }
}

/** What each CLI command does: read options, call the library, report. No logic of its own. */
import { applyOverrides, loadConfig, parseConfig } from '../config/load.js';
import { randint, tensor } from '../engine/index.js';
import { saveNpy } from '../io/index.js';
import { trainStage1 } from '../train/stage1.js';
import { trainPrior as fitPrior } from '../train/stage2.js';
import { loadPrior, loadRun } from '../train/load-run.js';
import { RunDir } from '../train/run-dir.js';
import { generate, withOverrides, type SamplingOverrides } from '../disco/sample.js';
import { scatterSamples } from '../plot/samples.js';
import { evaluateRun, plotRun, runDemo } from '../eval/commands.js';
import { exportRun, type ExportFormat } from '../train/export.js';
import type { RunConfig } from '../config/schema.js';
import { asWorker, fromRank0, launchWorkers, wantsLaunch, type LaunchCliOptions } from './parallel.js';

interface TrainCliOptions extends LaunchCliOptions {
  config?: string;
  out: string;
  resume?: boolean;
  steps?: number;
  minutes?: number;
  set?: string[];
  initFrom?: string;
  quiet?: boolean;
}

/**
 * `train`: the config is --config, or with --resume the run's own config.json by default, then
 * --set and --steps; on resume the library accepts changes of training settings only. With
 * --nproc/--nnodes it launches data-parallel workers; a worker takes rank 0's config.
 */
export async function train(o: TrainCliOptions): Promise<void> {
  if (wantsLaunch(o)) return launchWorkers(o);
  await asWorker(async (group) => {
    const cfg = fromRank0(group, 'the config', () => trainConfig(o));
    const r = await trainStage1(cfg, o.out, { resume: o.resume, quiet: o.quiet, maxMinutes: o.minutes, initFrom: o.initFrom, group });
    if (!group || group.rank === 0) {
      console.log(`trained ${r.step} steps (${r.stepsPerSec.toFixed(1)} steps/s); checkpoint in ${o.out}`);
    }
  });
}

function trainConfig(o: TrainCliOptions): RunConfig {
  const run = new RunDir(o.out);
  if (!o.config && !o.resume) throw new Error('--config is required (or --resume to continue the run in --out)');
  if (!o.config) run.require(run.config, 'a run to resume');
  const file = o.config ?? run.config;
  let cfg = loadConfig(file);
  if (o.set?.length) cfg = parseConfig(applyOverrides(JSON.parse(JSON.stringify(cfg)), o.set), `config ${file} with --set`);
  if (o.steps) cfg.train.steps = o.steps;
  return cfg;
}

export async function trainPrior(o: { run: string; quiet?: boolean } & LaunchCliOptions): Promise<void> {
  if (wantsLaunch(o)) return launchWorkers(o);
  await asWorker(async (group) => {
    const r = await fitPrior(o.run, { quiet: o.quiet, group });
    if (r) console.log(`prior trained: loss ${r.finalLoss.toFixed(4)} nats, code entropy ${r.codeEntropy.map((h) => h.toFixed(3)).join(', ')}`);
  });
}

export interface SampleCliOptions extends SamplingOverrides {
  run: string;
  n: number;
  out: string;
  latentsOut?: string;
  png?: string;
  priorTemperature?: number;
  class?: number;
  batch?: number;
  seed: number;
}

export async function sample(o: SampleCliOptions): Promise<void> {
  const L = loadRun(o.run);
  const s = withOverrides(L.cfg.sample, o);
  // Every option is checked before anything is written.
  if (o.latentsOut && !L.model.encoder) throw new Error('--latents-out: this run has no latents (plain EDM)');
  if (o.class !== undefined && L.info.numClasses === 0) throw new Error('--class: this run is not class-conditional');
  if (o.class !== undefined && o.class >= L.info.numClasses) {
    throw new Error(`--class must be below ${L.info.numClasses}, got ${o.class}`);
  }
  const prior = L.model.encoder ? loadPrior(L.run, L.cfg, L.info.numClasses) : null;
  const labels = L.info.numClasses === 0 ? undefined : o.class !== undefined
    ? tensor(Array(o.n).fill(o.class), { dtype: 'int64' }) : randint(0, L.info.numClasses, [o.n]);
  const g = generate(L.model, L.info, { n: o.n, seed: o.seed, sample: s, prior, labels, batch: o.batch,
    priorTemperature: o.priorTemperature ?? L.cfg.prior.temperature });
  saveNpy(o.out, g.x);
  if (o.latentsOut && g.codes) saveNpy(o.latentsOut, g.codes);
  if (o.png) scatterSamples(o.png, g.x, g.codes);
  const share = g.seconds.prior / (g.seconds.prior + g.seconds.diffusion);
  console.log(`wrote ${o.n} samples to ${o.out} (${s.sampler}, ${g.nfe} NFE, ${g.seconds.diffusion.toFixed(2)} s; ` +
    `prior ${(100 * share).toFixed(2)}% of sampling time)`);
}

export async function evaluate(o: { run: string; n?: number; seed: number } & Pick<SamplingOverrides, 'steps' | 'sampler' | 'restart'> &
  LaunchCliOptions): Promise<void> {
  if (wantsLaunch(o)) return launchWorkers(o);
  await asWorker(async (group) => {
    const m = await evaluateRun(o.run, { n: o.n, seed: o.seed, steps: o.steps, sampler: o.sampler, restart: o.restart, group });
    if (!group || group.rank === 0) console.log(JSON.stringify(m, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(5)) : v), 1).slice(0, 2000));
  });
}

export async function plot(o: { run: string; baseline?: string; seed: number }): Promise<void> {
  const paths = await plotRun(o.run, { baseline: o.baseline, seed: o.seed });
  for (const p of Object.values(paths)) console.log(`wrote ${p}`);
}

export async function demo(o: { out: string; steps?: number; quiet?: boolean }): Promise<void> {
  const s = await runDemo(o.out, { steps: o.steps, quiet: o.quiet });
  console.log(`demo done: ${o.out}/report.md\n` +
    `W2 dm ${s.w2.dm.toFixed(3)}  disco ${s.w2.disco.toFixed(3)}  floor ${s.w2.floor.toFixed(3)}; ` +
    `off-mode dm ${s.off_mode.dm} disco ${s.off_mode.disco}`);
}

export async function exportWeights(o: { format: ExportFormat; run: string; out: string }): Promise<void> {
  const r = exportRun(o.run, o.out, o.format);
  console.log(`wrote ${r.tensors} tensors in ${o.format}'s layout to ${o.out}`);
}

/** What each CLI command does: read options, call the library, report. No logic of its own. */
import { existsSync } from 'node:fs';
import { applyOverrides, isDockingConfig, loadConfig, loadStoredConfig, parseConfig, parseDockingConfig, readConfigFile } from '../config/load.js';
import type { DockingConfig } from '../config/docking.js';
import { trainDocking } from '../train/docking.js';
import { evaluateDockingRun } from '../eval/docking.js';
import { trainStage1 } from '../train/stage1.js';
import { trainPrior as fitPrior } from '../train/stage2.js';
import { trainDockingPrior } from '../train/docking-prior.js';
import { loadPrior, loadRun } from '../train/load-run.js';
import { RunDir } from '../train/run-dir.js';
import { withOverrides, type SamplingOverrides } from '../disco/sample.js';
import { writeSamples } from '../disco/sample-files.js';
import { evaluateRun, plotRun, runDemo } from '../eval/commands.js';
import { exportRun, type ExportFormat } from '../train/export.js';
import type { RunConfig } from '../config/schema.js';
import { checkOutputs } from './outputs.js';
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
  const docking = dockingConfig(o);
  if (docking) {
    if (wantsLaunch(o) || o.initFrom) throw new Error('a docking run trains in one process, without --init-from');
    const r = await trainDocking(docking, o.out, { resume: o.resume, quiet: o.quiet, maxMinutes: o.minutes });
    console.log(`trained ${r.step} steps (${r.stepsPerSec.toFixed(2)} steps/s); checkpoint in ${o.out}`);
    return;
  }
  if (wantsLaunch(o)) return launchWorkers(o);
  await asWorker(async (group) => {
    const cfg = fromRank0(group, 'the config', () => trainConfig(o));
    const r = await trainStage1(cfg, o.out, { resume: o.resume, quiet: o.quiet, maxMinutes: o.minutes, initFrom: o.initFrom, group });
    if (!group || group.rank === 0) {
      console.log(`trained ${r.step} steps (${r.stepsPerSec.toFixed(1)} steps/s); checkpoint in ${o.out}`);
    }
  });
}

/** True when `dir` holds a docking run (its config.json says `domain: docking`). */
function isDockingRun(dir: string): boolean {
  const run = new RunDir(dir);
  return existsSync(run.config) && isDockingConfig(readConfigFile(run.config));
}

/** The docking config of a `train` call (its --config, or the run's own on --resume), with --set and --steps; null for other domains. */
function dockingConfig(o: TrainCliOptions): DockingConfig | null {
  const run = new RunDir(o.out);
  const file = o.config ?? (o.resume && existsSync(run.config) ? run.config : null);
  if (!file) return null;
  const raw = readConfigFile(file);
  if (!isDockingConfig(raw)) return null;
  const cfg = parseDockingConfig(o.set?.length ? applyOverrides(raw as Record<string, unknown>, o.set) : raw,
    `config ${file}${o.set?.length ? ' with --set' : ''}`);
  if (o.steps) cfg.train.steps = o.steps;
  return cfg;
}

function trainConfig(o: TrainCliOptions): RunConfig {
  const run = new RunDir(o.out);
  if (!o.config && !o.resume) throw new Error('--config is required (or --resume to continue the run in --out)');
  if (!o.config) run.require(run.config, 'a run to resume');
  const file = o.config ?? run.config;
  let cfg = o.config ? loadConfig(file) : loadStoredConfig(file);
  if (o.set?.length) cfg = parseConfig(applyOverrides(JSON.parse(JSON.stringify(cfg)), o.set), `config ${file} with --set`);
  if (o.steps) cfg.train.steps = o.steps;
  return cfg;
}

export async function trainPrior(o: { run: string; quiet?: boolean } & LaunchCliOptions): Promise<void> {
  if (isDockingRun(o.run)) {
    if (wantsLaunch(o)) throw new Error('a docking prior trains in one process');
    const r = await trainDockingPrior(o.run, { quiet: o.quiet });
    console.log(`prior trained: loss ${r.finalLoss.toFixed(4)} nats (cross-entropy to the encoder's pointer distribution)`);
    return;
  }
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
  /** Use a prior fitted to an older encoder than the checkpoint's. */
  stalePrior?: boolean;
}

export async function sample(o: SampleCliOptions): Promise<void> {
  checkOutputs([{ what: '--out', path: o.out }, ...o.latentsOut ? [{ what: '--latents-out', path: o.latentsOut }] : [],
    ...o.png ? [{ what: '--png', path: o.png }] : []], [o.run]);
  const L = loadRun(o.run);
  const s = withOverrides(L.cfg.sample, o);
  // Every option is checked before anything is written.
  if (o.latentsOut && !L.model.encoder) throw new Error('--latents-out: this run has no latents (plain EDM)');
  if (o.class !== undefined && L.info.numClasses === 0) throw new Error('--class: this run is not class-conditional');
  if (o.class !== undefined && o.class >= L.info.numClasses) {
    throw new Error(`--class must be below ${L.info.numClasses}, got ${o.class}`);
  }
  const prior = L.model.encoder ? loadPrior(L.run, L.cfg, L.info.numClasses, { stale: o.stalePrior }) : null;
  const g = writeSamples(L.model, L.info, { n: o.n, seed: o.seed, sample: s, batch: o.batch,
    labels: L.info.numClasses === 0 ? undefined : o.class ?? 'random',
    prior: prior && { model: prior, temperature: o.priorTemperature ?? L.cfg.prior.temperature } }, o);
  const share = g.seconds.prior / (g.seconds.prior + g.seconds.diffusion);
  console.log(`wrote ${o.n} samples to ${o.out} (${s.sampler}, ${g.nfe} NFE, ${g.seconds.diffusion.toFixed(2)} s; ` +
    `prior ${(100 * share).toFixed(2)}% of sampling time)`);
}

export async function evaluate(o: { run: string; n?: number; seed: number; draws?: number } & Pick<SamplingOverrides, 'steps' | 'sampler' | 'restart'> &
  LaunchCliOptions): Promise<void> {
  checkOutputs([{ what: 'eval\'s metrics file', path: new RunDir(o.run).evalMetrics }]);
  if (isDockingRun(o.run)) {
    if (wantsLaunch(o)) throw new Error('a docking run is evaluated in one process');
    if (o.sampler || o.restart) throw new Error('--sampler and --restart are for image runs; a docking run samples with its sample.sampler');
    if (o.draws) throw new Error('--draws is for vector (toy or array) runs');
    const m = evaluateDockingRun(o.run, { seed: o.seed, limit: o.n, steps: o.steps });
    console.log(JSON.stringify({ model: m.model, randomBlind: m.randomBlind }, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v), 1));
    return;
  }
  if (wantsLaunch(o)) return launchWorkers(o);
  await asWorker(async (group) => {
    const m = await evaluateRun(o.run, { n: o.n, seed: o.seed, draws: o.draws, steps: o.steps, sampler: o.sampler, restart: o.restart,
      group });
    if (!group || group.rank === 0) console.log(JSON.stringify(m, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(5)) : v), 1).slice(0, 2000));
  });
}

export async function plot(o: { run: string; baseline?: string; seed: number }): Promise<void> {
  checkOutputs([{ what: 'plot\'s figures directory', path: new RunDir(o.run).figures, kind: 'directory' }]);
  const paths = await plotRun(o.run, { baseline: o.baseline, seed: o.seed });
  for (const p of Object.values(paths)) console.log(`wrote ${p}`);
}

export async function demo(o: { out?: string; steps?: number; quiet?: boolean; images?: boolean; n: number; seed?: number }):
  Promise<void> {
  const out = o.out ?? (o.images ? 'runs/demo-images' : o.seed !== undefined ? `runs/demo-seed${o.seed}` : 'runs/demo');
  checkOutputs([{ what: '--out', path: out, kind: 'directory' }]);
  if (o.images) {
    if (o.steps || o.seed !== undefined) throw new Error('demo --images trains nothing: --steps and --seed do not apply');
    const m = await (await import('../eval/image-demo.js')).runImageDemo(out, { n: o.n });
    const pct = (v: number | undefined) => (v === undefined ? '—' : `${(100 * v).toFixed(1)}%`);
    console.log(`demo done: ${out}/report.md\nFD-FMNIST (${o.n} samples) EDM ${m.edm.fd?.toFixed(1)}  DisCo-Diff ${m.disco.fd?.toFixed(1)}; ` +
      `recognisable EDM ${pct(m.edm.recognisable?.samples)}  DisCo-Diff ${pct(m.disco.recognisable?.samples)}  ` +
      `test images ${pct(m.edm.recognisable?.reference)}`);
    return;
  }
  const s = await runDemo(out, { steps: o.steps, quiet: o.quiet, seed: o.seed });
  type WithFloor = typeof s.w2;
  const line = (label: string, m: WithFloor, sd: WithFloor, d: typeof s.w2_difference) => {
    const v = (k: keyof WithFloor) => `${m[k].toFixed(3)}±${sd[k].toFixed(3)}`;
    return `${label} (mean ± sd of ${s.w2_draws} draws) dm ${v('dm')}  disco ${v('disco')}  floor ${v('floor')}; ` +
      `disco − dm ${d.mean.toFixed(3)} ± ${d.se.toFixed(3)} (${d.verdict})`;
  };
  console.log([`demo done: ${out}/report.md`,
    ...(s.w2_modes ? [line('W2 within modes', s.w2_modes, s.w2_modes_spread!, s.w2_modes_difference!)] : []),
    line('W2', s.w2, s.w2_spread, s.w2_difference),
    `off-mode dm ${s.off_mode.dm} disco ${s.off_mode.disco}; largest mode-weight error dm ${s.max_mode_weight_error.dm?.toFixed(4)} ` +
      `disco ${s.max_mode_weight_error.disco?.toFixed(4)}`].join('\n'));
}

export async function exportWeights(o: { format: ExportFormat; run: string; out: string }): Promise<void> {
  checkOutputs([{ what: '--out', path: o.out }], [o.run]);
  const r = exportRun(o.run, o.out, o.format);
  console.log(`wrote ${r.tensors} tensors in ${o.format}'s layout to ${o.out}`);
}

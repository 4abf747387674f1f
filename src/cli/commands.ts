/** What each CLI command does: read options, call the library, report. No logic of its own. */
import { applyOverrides, loadConfig, parseConfig } from '../config/load.js';
import { randint, tensor } from '../engine/index.js';
import { saveNpy } from '../io/index.js';
import { trainStage1 } from '../train/stage1.js';
import { trainPrior as fitPrior } from '../train/stage2.js';
import { loadPrior, loadRun } from '../train/load-run.js';
import { generate } from '../disco/sample.js';
import { scatterSamples } from '../plot/samples.js';
import { evaluateRun, plotRun, runDemo } from '../eval/commands.js';

export async function train(o: { config: string; out: string; resume?: boolean; steps?: number; minutes?: number;
  set?: string[]; initFrom?: string; quiet?: boolean }): Promise<void> {
  let cfg = loadConfig(o.config);
  if (o.set?.length) cfg = parseConfig(applyOverrides(JSON.parse(JSON.stringify(cfg)), o.set), `config ${o.config} with --set`);
  if (o.steps) cfg.train.steps = o.steps;
  if (o.initFrom && o.resume) throw new Error('--init-from starts a new run; it cannot be combined with --resume');
  const r = await trainStage1(cfg, o.out, { resume: o.resume, quiet: o.quiet, maxMinutes: o.minutes, initFrom: o.initFrom });
  console.log(`trained ${r.step} steps (${r.stepsPerSec.toFixed(1)} steps/s); checkpoint in ${o.out}`);
}

export async function trainPrior(o: { run: string; quiet?: boolean }): Promise<void> {
  const r = await fitPrior(o.run, { quiet: o.quiet });
  console.log(`prior trained: loss ${r.finalLoss.toFixed(4)} nats, code entropy ${r.codeEntropy.map((h) => h.toFixed(3)).join(', ')}`);
}

export interface SampleCliOptions {
  run: string;
  n: number;
  out: string;
  latentsOut?: string;
  png?: string;
  steps?: number;
  sampler?: 'heun' | 'euler' | 'stochastic';
  guidance?: number;
  priorTemperature?: number;
  class?: number;
  batch?: number;
  seed: number;
}

export async function sample(o: SampleCliOptions): Promise<void> {
  const L = loadRun(o.run);
  const s = { ...L.cfg.sample, ...(o.steps && { steps: o.steps }), ...(o.sampler && { sampler: o.sampler }),
    ...(o.guidance !== undefined && { guidance: o.guidance }) };
  const prior = L.model.encoder ? loadPrior(L.run, L.cfg, L.info.numClasses) : null;
  let labels;
  if (L.info.numClasses > 0) {
    if (o.class !== undefined && o.class >= L.info.numClasses) {
      throw new Error(`--class must be below ${L.info.numClasses}, got ${o.class}`);
    }
    labels = o.class !== undefined ? tensor(Array(o.n).fill(o.class), { dtype: 'int64' }) : randint(0, L.info.numClasses, [o.n]);
  }
  const g = generate(L.model, L.info, { n: o.n, seed: o.seed, sample: s, prior, labels, batch: o.batch,
    priorTemperature: o.priorTemperature ?? L.cfg.prior.temperature });
  saveNpy(o.out, g.x);
  if (o.latentsOut) {
    if (!g.codes) throw new Error('--latents-out: this run has no latents (plain EDM)');
    saveNpy(o.latentsOut, g.codes);
  }
  if (o.png) scatterSamples(o.png, g.x, g.codes);
  const share = g.seconds.prior / (g.seconds.prior + g.seconds.diffusion);
  console.log(`wrote ${o.n} samples to ${o.out} (${s.sampler}, ${g.nfe} NFE, ${g.seconds.diffusion.toFixed(2)} s; ` +
    `prior ${(100 * share).toFixed(2)}% of sampling time)`);
}

export async function evaluate(o: { run: string; n?: number; seed: number; steps?: number;
  sampler?: 'heun' | 'euler' | 'stochastic' }): Promise<void> {
  const m = await evaluateRun(o.run, { n: o.n, seed: o.seed, steps: o.steps, sampler: o.sampler });
  console.log(JSON.stringify(m, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(5)) : v), 1).slice(0, 2000));
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

/**
 * Stage-I step profile of the image configs: one training step of each arm (the shipped EDM and
 * DisCo-Diff configs by default) split into forward (stageILoss), backward, optimizer (Adam, zero
 * grad, EMA) and codebook (the analytic centres' EMA refit), and, measured apart, the forward +
 * backward of the DisCo-Diff-only modules: the ViT encoder and the latent context Transformer.
 * Each arm runs in its own process with one thread, on a random batch of the config's image shape
 * (data loading is not timed); the arms alternate over rounds so drifting load hits both. Reports
 * the median of every part and each arm's step against the first arm's (the target: ≤ 1.10).
 *   node --import tsx bench/images-step.ts [--configs configs/fmnist-edm.yaml,configs/fmnist-disco.yaml]
 *     [--rounds 3] [--steps 8] [--warmup 3] [--tag NAME]   → bench/results/images-step[-TAG].json
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { F, Generator, keep, manualSeed, randint, randn, setNumThreads, tidy } from '../src/engine/index.js';
import { loadConfig } from '../src/config/load.js';
import { createModel } from '../src/networks/build.js';
import { UNet } from '../src/networks/unet.js';
import { Adam, EMA } from '../src/optim/index.js';
import { AnalyticCodebook } from '../src/disco/codebook/analytic-codebook.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const PARTS = ['step', 'forward', 'backward', 'optimizer', 'codebook', 'encoder', 'context'] as const;
type Part = (typeof PARTS)[number];
type Times = Partial<Record<Part, number[]>>;

/** Worker: `warmup + steps` Stage-I steps of one config; prints the per-part times (ms) as one JSON line. */
function worker(config: string, warmup: number, steps: number): void {
  setNumThreads(1);
  manualSeed(0);
  const cfg = loadConfig(config);
  if (!('resolution' in cfg.data)) throw new Error(`${config} is not an image config`);
  const B = cfg.train.batch, res = cfg.data.resolution, classes = 'useLabels' in cfg.data && cfg.data.useLabels ? 10 : 0;
  const model = createModel(cfg, { shape: [1, res, res], numClasses: classes, sigmaData: cfg.edm.sigmaData ?? 0.5 });
  const codebook = AnalyticCodebook.of(model, cfg.latents, cfg.train.steps);
  const opt = new Adam(model.namedParameters(), { lr: cfg.train.lr, lrScale: (n) => (codebook?.frozen(n) ? 0 : 1) });
  const ema = new EMA(model, cfg.train.emaDecay);
  const gen = new Generator(1);
  const y = keep(randn([B, 1, res, res]).mul(0.5));
  const labels = classes ? keep(randint(0, classes, [B])) : undefined;
  const unet = model.denoiser.net instanceof UNet ? model.denoiser.net : null;
  const z = cfg.latents.enabled ? keep(F.oneHot(randint(0, cfg.latents.k, [B, cfg.latents.m]), cfg.latents.k).float()) : null;
  const times: Times = {};
  const time = <T>(part: Part, record: boolean, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    if (record) (times[part] ??= []).push(performance.now() - t0);
    return r;
  };
  model.train();
  for (let i = 0; i < warmup + steps; i++) {
    const rec = i >= warmup;
    time('step', rec, () => {
      const codes = tidy(() => {
        const r = time('forward', rec, () => model.stageILoss(y, labels, gen));
        time('backward', rec, () => r.loss.backward());
        return r.codes ? keep(r.codes.clone()) : null;
      });
      time('optimizer', rec, () => {
        opt.update();
        opt.zeroGrad();
        ema.update(model);
      });
      if (codebook && codes) time('codebook', rec, () => codebook.afterStep(i + 1000, { x: y.flatten(1), codes }, gen));
      codes?.dispose();
    });
    if (model.encoder) time('encoder', rec, () => tidy(() => model.encoder!.forward(y, labels).square().sum().backward()));
    if (unet?.latent && z) time('context', rec, () => tidy(() => unet.latent!.forward({ latents: z }, B).square().sum().backward()));
    opt.zeroGrad();
  }
  console.log(JSON.stringify({ times, params: model.numParameters() }));
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function main(): void {
  if (process.argv[2] === '--worker') return worker(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]));
  const a = benchArgs('node --import tsx bench/images-step.ts [flags]', {
    configs: { kind: 'list', default: 'configs/fmnist-edm.yaml,configs/fmnist-disco.yaml', help: 'image configs; the first is the reference' },
    rounds: { kind: 'number', default: '3', help: 'rounds of all arms, alternating' },
    steps: { kind: 'number', default: '8', help: 'measured steps per process' },
    warmup: { kind: 'number', default: '3', help: 'warm-up steps per process' },
    tag: { kind: 'string', default: '', help: 'writes bench/results/images-step-TAG.json' },
  });
  const here = fileURLToPath(import.meta.url);
  const load0 = loadavg()[0]!;
  const samples = new Map<string, { times: Required<Times>; params: number }>();
  for (let r = 0; r < a.rounds; r++) {
    for (const config of a.configs) {
      const p = spawnSync(process.execPath, ['--import', 'tsx', here, '--worker', config, String(a.warmup), String(a.steps)],
        { encoding: 'utf8', maxBuffer: 16 << 20, env: { ...process.env, DISCO_THREADS: '1' } });
      if (p.status !== 0) throw new Error(`worker for ${config} failed (${p.signal ?? p.status}):\n${p.stderr}`);
      const out = JSON.parse(p.stdout.trim().split('\n').pop()!) as { times: Times; params: number };
      const s = samples.get(config) ?? { times: Object.fromEntries(PARTS.map((k) => [k, []])) as unknown as Required<Times>, params: out.params };
      for (const k of PARTS) s.times[k].push(...(out.times[k] ?? []));
      samples.set(config, s);
    }
  }
  const rows = a.configs.map((config) => {
    const s = samples.get(config)!;
    return { config, params: s.params, ...Object.fromEntries(PARTS.map((k) => [`${k}_ms`, s.times[k].length ? median(s.times[k]) : null])) } as
      { config: string; params: number } & Record<`${Part}_ms`, number | null>;
  });
  const ref = rows[0]!.step_ms!;
  const f = (v: number | null, w = 10) => (v === null ? '—' : v.toFixed(1)).padStart(w);
  console.log(`Stage-I step, 1 thread, median of ${a.rounds}×${a.steps} steps (ms); load average ${load0.toFixed(2)} at start`);
  console.log(`${'config'.padEnd(34)}${PARTS.map((p) => p.padStart(10)).join('')}     ratio  params`);
  for (const r of rows) {
    console.log(`${r.config.padEnd(34)}${PARTS.map((p) => f(r[`${p}_ms`])).join('')}${(r.step_ms! / ref).toFixed(3).padStart(10)}  ${r.params}`);
  }
  const file = join(import.meta.dirname, 'results', `images-step${a.tag ? `-${a.tag}` : ''}.json`);
  writeFileSync(file, JSON.stringify({
    machine: machineRecord({ threads: 1, note: 'arms one after the other, alternating, each in its own process' }),
    rounds: a.rounds, steps: a.steps, warmup: a.warmup, loadAverage: load0,
    rows: rows.map((r) => ({ ...r, ratio: r.step_ms! / ref })), target: 1.1,
  }, null, 2));
  console.log(`wrote ${file}`);
}

main();

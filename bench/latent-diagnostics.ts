/**
 * bench/latent-diagnostics: what happens to the discrete latents over the first steps of Stage I.
 * Every --every steps it records the EDM loss, the encoder's gradient norm (all of it and its
 * logits head), the norm of the zero-initialised cross-attention outputs (the path from z to the
 * denoiser), and, on a fixed probe set of training images: the logit scale (std over codes),
 * confidence (mean max probability), the information the codes carry about the image
 * I(z; y) = H(E p) − E H(p) (mean over latents, nats), and each latent's argmax code perplexity
 * exp H and codes used, and how redundant the latents are: the mean over pairs of latents of the
 * normalised mutual information of their argmax codes, I(z_i; z_j) / min(H_i, H_j) (1 = one latent
 * determines the other), and, where the data has class labels, the information each latent's argmax code
 * carries about the class, I(z_i; c) in nats (ln 10 = 2.30 for ten balanced classes), next to the same
 * estimate with the probe's labels reversed (its small-sample bias: no true information). The training
 * loss per σ bin over each interval comes from metrics.jsonl. At the end, on the probe set in eval
 * mode, the loss per σ with the encoder's codes and with the null embedding (what z is worth to the
 * denoiser at each σ). Prints a table and writes bench/results/latent-diagnostics-TAG.json.
 *
 * Usage: node --import tsx bench/latent-diagnostics.ts --config configs/fmnist-disco.yaml
 *          [--steps 300] [--every 25] [--probe 1000] [--tag NAME] [--init-from RUN] [--set key=value ...]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, noGrad, tidy, type Tensor } from '../src/engine/index.js';
import { applyOverrides, loadConfig, parseConfig } from '../src/config/load.js';
import { loadDataset } from '../src/data/load.js';
import { trainStage1 } from '../src/train/stage1.js';
import { codeUsage, countsEntropy } from '../src/metrics/code-usage.js';
import { codeEntropies, type DiscoDiff } from '../src/disco/model.js';
import { lossVsSigma, sigmaGrid } from '../src/eval/loss-vs-sigma.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const args = benchArgs('node --import tsx bench/latent-diagnostics.ts [flags]', {
  config: { kind: 'string', default: 'configs/fmnist-disco.yaml', help: 'the run config' },
  steps: { kind: 'number', default: '300', help: 'Stage-I steps' },
  every: { kind: 'number', default: '25', help: 'steps between measurements' },
  probe: { kind: 'number', default: '1000', help: 'training images in the probe set' },
  tag: { kind: 'string', default: 'run', help: 'writes bench/results/latent-diagnostics-TAG.json' },
  'init-from': { kind: 'string', help: 'start from this run\'s weights (train --init-from)' },
  set: { kind: 'repeat', help: 'key=value config override' },
});
const { config: configPath, steps, every, probe: probeN, tag, set: sets } = args, initFrom = args['init-from'];
const raw = JSON.parse(JSON.stringify(loadConfig(configPath))) as Record<string, unknown>;
const cfg = parseConfig(applyOverrides(raw, sets), `${configPath} with overrides`);

const data = await loadDataset(cfg.data, cfg.train.seed);
const probe = data.x.slice(0, 0, Math.min(probeN, data.x.size(0)));
const probeLabels = data.labels?.slice(0, 0, Math.min(probeN, data.x.size(0)));
const probeClasses = probeLabels?.toFlatArray() ?? null;
const reversedClasses = probeClasses ? [...probeClasses].reverse() : null;

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const norm = (ts: Tensor[]): number => Math.sqrt(ts.reduce((s, t) => s + tidy(() => t.square().sum().item()), 0));

interface EncoderStats {
  encGrad: number; headGrad: number; crossOut: number;
  logitStd: number; maxProb: number; mi: number; redundancy: number; perplexity: number[]; used: number[];
  classMI: number[] | null; classMIBias: number | null;
}
interface Row { step: number; loss: number; encoder: EncoderStats | null; lossBySigma?: unknown }

/**
 * Mean over pairs of latents of I(z_i; z_j) / min(H_i, H_j), from flat argmax codes [N·m] and each
 * latent's code counts (nats).
 */
function redundancy(flat: number[], m: number, k: number, counts: number[][]): number {
  const H = counts.map(countsEntropy);
  let sum = 0, pairs = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const joint = new Map<number, number>();
      for (let r = i; r < flat.length; r += m) {
        const key = flat[r]! * k + flat[r + j - i]!;
        joint.set(key, (joint.get(key) ?? 0) + 1);
      }
      const lo = Math.min(H[i]!, H[j]!);
      sum += lo > 0 ? (H[i]! + H[j]! - countsEntropy([...joint.values()])) / lo : 1;
      pairs += 1;
    }
  }
  return pairs ? sum / pairs : 0;
}

/** Per latent, I(z_i; c) = H(z_i) + H(c) − H(z_i, c) in nats, from flat argmax codes [N·m] and classes [N]. */
function classInformation(flat: number[], m: number, k: number, classes: number[]): number[] {
  const count = (keys: number[]) => {
    const c = new Map<number, number>();
    for (const key of keys) c.set(key, (c.get(key) ?? 0) + 1);
    return countsEntropy([...c.values()]);
  };
  const hc = count(classes);
  return Array.from({ length: m }, (_, i) => {
    const z = classes.map((_, r) => flat[r * m + i]!);
    return count(z) + hc - count(z.map((code, r) => classes[r]! * k + code));
  });
}

/** Mean over latents of I(z; y) = H(E_y p(z|y)) − E_y H(p(z|y)) in nats, from logits [N, m, k]. */
function mutualInformation(logits: Tensor): number {
  return tidy(() => {
    const { marginal, sample } = codeEntropies(logits);
    return marginal.sub(sample).mean().item();
  });
}
const rows: Row[] = [];
let lossSum = 0, lossN = 0;

/** Gradient norms of the encoder and its head, the cross-attention output norm, and the code statistics on the probe. */
function encoderStats(model: DiscoDiff): EncoderStats | null {
  const enc = model.encoder;
  if (!enc) return null;
  const encParams = enc.namedParameters();
  const grads = encParams.map(([, p]) => p.grad).filter((g): g is Tensor => !!g);
  const headGrads = encParams.filter(([n]) => n.startsWith('head')).map(([, p]) => p.grad).filter((g): g is Tensor => !!g);
  const crossOut = norm(model.denoiser.namedParameters().filter(([n]) => /cross\.proj\.weight$/.test(n)).map(([, p]) => p));
  const stats = noGrad(() => tidy(() => {
    const logits = enc.forward(probe, probeLabels ?? undefined); // (N, m, k)
    const codes = logits.argmax(-1);
    const usage = codeUsage(codes, cfg.latents.k);
    const flat = codes.toFlatArray();
    return {
      logitStd: logits.var(-1).sqrt().mean().item(), maxProb: logits.softmax(-1).max(-1).mean().item(),
      mi: mutualInformation(logits),
      redundancy: redundancy(flat, cfg.latents.m, cfg.latents.k, usage.counts),
      perplexity: usage.perplexity, used: usage.used,
      classMI: probeClasses ? classInformation(flat, cfg.latents.m, cfg.latents.k, probeClasses) : null,
      classMIBias: reversedClasses ? mean(classInformation(flat, cfg.latents.m, cfg.latents.k, reversedClasses)) : null,
    };
  }));
  const out = { encGrad: norm(grads), headGrad: norm(headGrads), crossOut, ...stats };
  for (const g of [...grads, ...headGrads]) g.dispose();
  return out;
}

function measure(step: number, model: DiscoDiff, loss: number): void {
  lossSum += loss;
  lossN += 1;
  if (step % every !== 0 && step !== 1) return;
  const e = encoderStats(model);
  rows.push({ step, loss: lossSum / lossN, encoder: e });
  lossSum = 0;
  lossN = 0;
  let line = `${String(step).padStart(5)}  loss ${rows.at(-1)!.loss.toFixed(4)}`;
  if (e) {
    const ppl = [...e.perplexity].sort((a, b) => a - b);
    line += `  |∇enc| ${e.encGrad.toExponential(2)}  |∇head| ${e.headGrad.toExponential(2)}  |W_cross| ${e.crossOut.toExponential(2)}` +
      `  logit std ${e.logitStd.toFixed(3)}  max p ${e.maxProb.toFixed(3)}  I(z;y) ${e.mi.toFixed(3)}  NMI ${e.redundancy.toFixed(3)}` +
      `  ppl min/med/max ${ppl[0]!.toFixed(1)}/${ppl[Math.floor(ppl.length / 2)]!.toFixed(1)}/${ppl.at(-1)!.toFixed(1)}` +
      `  used min ${Math.min(...e.used)}` +
      (e.classMI ? `  I(z;c) mean/max ${mean(e.classMI).toFixed(3)}/${Math.max(...e.classMI).toFixed(3)} (bias ${e.classMIBias!.toFixed(3)})` : '');
  }
  console.log(line);
}

/** Loss per σ on the probe set (eval mode) with the encoder's codes and with the null embedding. */
function latentWorth(model: DiscoDiff): { sigma: number[]; withCodes: number[]; withNull: number[] } {
  model.eval();
  const sigma = sigmaGrid(8, 0.05, 50);
  const labels = cfg.data.kind === 'fashion-mnist' && cfg.data.useLabels ? probeLabels ?? undefined : undefined;
  // The same noise for both curves (common random numbers), so their gap is not sampling noise.
  const curve = (nullLatents: boolean) => {
    const generator = new Generator(1);
    try {
      return lossVsSigma(model, probe, sigma, { labels, batch: 250, nullLatents, generator });
    } finally {
      generator.dispose();
    }
  };
  const worth = { sigma, withCodes: curve(false), withNull: curve(true) };
  model.train();
  console.log('σ         ' + sigma.map((s) => s.toPrecision(2).padStart(7)).join(''));
  console.log('with z    ' + worth.withCodes.map((v) => v.toFixed(3).padStart(7)).join(''));
  console.log('with ∅    ' + worth.withNull.map((v) => v.toFixed(3).padStart(7)).join(''));
  return worth;
}
let worth: ReturnType<typeof latentWorth> | null = null;

const dir = mkdtempSync(join(tmpdir(), 'dd-diag-'));
const t0 = performance.now();
try {
  await trainStage1({ ...cfg, train: { ...cfg.train, steps, logEvery: every, checkpointEvery: steps } }, join(dir, 'run'),
    { quiet: true, initFrom, onStep: ({ step, model, loss }) => {
      measure(step, model, loss);
      if (step === steps) worth = latentWorth(model);
    } });
  const logged = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const r of rows) r.lossBySigma = logged.find((l) => l.step === r.step)?.lossBySigma;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const minutes = (performance.now() - t0) / 60000;
writeFileSync(join(import.meta.dirname, 'results', `latent-diagnostics-${tag}.json`),
  JSON.stringify({ machine: machineRecord(), config: configPath, overrides: sets, initFrom: initFrom ?? null, steps, minutes, rows, worth }, null, 2));
console.log(`${steps} steps in ${minutes.toFixed(1)} min`);

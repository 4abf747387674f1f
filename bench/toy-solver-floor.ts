/**
 * The sampler's own floor at low NFE (issue #23): W2 of samples drawn with the *exact* denoiser of a
 * known mixture, beside the suite's trained models. Two exact denoisers per case: the whole
 * mixture's (the best a DM can be) and the true component's, the component drawn by its weight (the
 * best DisCo-Diff can be, with latents that name the mode). The gap between a trained model's W2 at
 * Heun 5 steps and these is what training can still win; the rest is the ODE solver's error.
 *   node --import tsx bench/toy-solver-floor.ts [--cases 8gaussians,gmm-d8,gmm-d32] [--settings heun3,heun5,heun8]
 *     [--n 4000] [--seeds 0,1,2] [--tag T]   → bench/results/toy-solver-floor[-T].json
 * W2 as the suite measures it (exact OT on n points, src/metrics/ot.ts) against n reference points: a
 * fresh draw for a toy set, n of the suite's .npy points for the D-dimensional mixtures; the floor is
 * W2 between two reference sets. Mean ± sd over the sample seeds. Heun 50 steps is the runs' sampler.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, multinomial, randn, randperm, tensor, tidy, type Tensor } from '../src/engine/index.js';
import { makeToy } from '../src/data/toy.js';
import { loadArrayData } from '../src/data/array.js';
import { mixtureDenoiser, type Mixture } from '../src/edm/gmm.js';
import { heun } from '../src/edm/samplers.js';
import { edmSigmas } from '../src/edm/schedule.js';
import { LOW_NFE, lowNfeLabel } from '../src/eval/low-nfe.js';
import { w2Auto } from '../src/metrics/ot.js';
import { SampleConfig } from '../src/config/schema.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';
import { mean } from './stats.js';
import { mixtureFiles, suiteMixture } from './toy-suite.js';

const a = benchArgs('node --import tsx bench/toy-solver-floor.ts [flags]', {
  cases: { kind: 'list', default: '8gaussians,gmm-d8,gmm-d32', help: 'the suite cases with a known isotropic mixture' },
  settings: { kind: 'list', default: 'heun3,heun5,heun8', help: 'low-NFE settings (src/eval/low-nfe.ts); Heun 50 is always measured' },
  n: { kind: 'number', default: '4000', help: 'samples and reference points per measurement' },
  seeds: { kind: 'numbers', default: '0,1,2', help: 'sample seeds' },
  tag: { kind: 'string', default: '', help: 'writes bench/results/toy-solver-floor-TAG.json' },
});
for (const s of a.settings) if (!LOW_NFE[s] || LOW_NFE[s]!.sampler !== 'heun') throw new Error(`--settings: '${s}' is not a Heun setting of LOW_NFE`);
const sample = SampleConfig.parse({});

interface Case { mix: Mixture; reference(seed: number): Tensor; dispose(): void }

/** A case's mixture and its reference points (as the suite's eval draws them). */
function caseOf(name: string): Case {
  const dim = /^gmm-d(\d+)$/.exec(name)?.[1];
  if (dim) {
    const d = loadArrayData({ path: mixtureFiles(Number(dim)).path });
    return {
      mix: suiteMixture(Number(dim)),
      reference: (seed) => {
        const g = new Generator(3_000_017 + seed);
        try { return tidy(() => d.x.indexSelect(0, randperm(d.x.size(0), { generator: g }).slice(0, 0, a.n)).double()); } finally { g.dispose(); }
      },
      dispose: () => d.x.dispose(),
    };
  }
  const probe = makeToy(name, 1, undefined, { iid: true });
  probe.x.dispose();
  probe.labels.dispose();
  if (!probe.centers || probe.std === undefined || probe.covariances) throw new Error(`--cases: '${name}' is not an isotropic Gaussian mixture`);
  return {
    mix: { centers: probe.centers, std: probe.std, weights: probe.weights },
    reference: (seed) => {
      const g = new Generator(1_000_003 + seed);
      try {
        const t = makeToy(name, a.n, g, { iid: true });
        t.labels.dispose();
        try { return t.x.double(); } finally { t.x.dispose(); }
      } finally { g.dispose(); }
    },
    dispose: () => {},
  };
}

/** n samples of Heun with `steps` steps from the exact denoiser: of the mixture, or of each sample's drawn component. */
function exactSamples(mix: Mixture, steps: number, perComponent: boolean, seed: number): Tensor {
  const g = new Generator(seed);
  try {
    return tidy(() => {
      const k = mix.centers.length, w = mix.weights ?? Array(k).fill(1 / k);
      const component = perComponent ? multinomial(tensor(w, { dtype: 'float64' }), a.n, { replacement: true, generator: g }) : undefined;
      const sigmas = edmSigmas(steps, sample);
      const x0 = randn([a.n, mix.centers[0]!.length], { dtype: 'float64', generator: g }).mul(sigmas[0]!);
      return heun(mixtureDenoiser(mix, component), x0, sigmas).x;
    });
  } finally {
    g.dispose();
  }
}

const settings: [string, number][] = [...a.settings.map((s): [string, number] => [s, LOW_NFE[s]!.steps]), ['heun50', 50]];
const label = (key: string) => (key === 'heun50' ? 'Heun 50 steps (99 NFE)' : lowNfeLabel(key));
const rows: Record<string, unknown>[] = [];
console.log(`${'case'.padEnd(10)} ${'setting'.padEnd(24)} ${'exact mixture'.padEnd(16)} ${'exact component'.padEnd(16)} floor`);
for (const name of a.cases) {
  const c = caseOf(name);
  try {
    const refs = a.seeds.map((s) => c.reference(s));
    const floor = a.seeds.map((s, i) => tidy(() => w2Auto(c.reference(s + 7919), refs[i]!).value));
    for (const [key, steps] of settings) {
      const w2 = (perComponent: boolean) => a.seeds.map((s, i) => tidy(() => w2Auto(exactSamples(c.mix, steps, perComponent, s), refs[i]!).value));
      const mixture = w2(false), component = w2(true);
      const sd = (v: number[]) => Math.sqrt(mean(v.map((x) => (x - mean(v)) ** 2)));
      const f = (v: number[]) => `${mean(v).toFixed(3)} ± ${sd(v).toFixed(3)}`.padEnd(16);
      console.log(`${name.padEnd(10)} ${label(key).padEnd(24)} ${f(mixture)} ${f(component)} ${f(floor)}`);
      rows.push({ case: name, setting: key, steps, nfe: 2 * steps - 1, mixture, component, floor,
        means: { mixture: mean(mixture), component: mean(component), floor: mean(floor) } });
    }
    for (const r of refs) r.dispose();
  } finally {
    c.dispose();
  }
}
const file = join(import.meta.dirname, 'results', `toy-solver-floor${a.tag ? `-${a.tag}` : ''}.json`);
writeFileSync(file, JSON.stringify({ bench: 'toy-solver-floor', args: a, sample, machine: machineRecord(), rows }, null, 1));
console.log(`wrote ${file}`);

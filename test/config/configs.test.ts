// The shipped configs (configs/*.yaml): each parses to what its JSON original parsed to (the
// fixtures below, written out as they were), but for the stated changes; each writes only what
// differs from the schema's defaults; the paper's forms have the paper's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isDockingConfig, loadConfig, parseConfig } from '../../src/config/load.js';

const CONFIGS = join(import.meta.dirname, '..', '..', 'configs');

const FMNIST = { kind: 'fashion-mnist', root: '/usr/share/datasets/fashion-mnist', resolution: 32, flip: false, useLabels: false, limit: 0 };
const UNET = { kind: 'unet', channels: 32, channelMult: [1, 2, 2], numBlocks: 2, attnResolutions: [16], dropout: 0.1, heads: 4,
  latentDim: 128, latentLayers: 2, latentGroups: [] };
const SMALL_UNET = { ...UNET, numBlocks: 1, attnResolutions: [8] };
const LATENTS = { enabled: true, m: 10, k: 100, tau: 1, hard: true, dropout: 0.1, diversity: 0.1, sampleEntropy: 0.1 };
const NO_LATENTS = { enabled: false, m: 10, k: 100, tau: 1, hard: true, dropout: 0.1 };
const VIT = { kind: 'vit', patch: 4, dim: 128, depth: 4, heads: 4 };
const EDM = { sigmaData: 0.5, pMean: -1.2, pStd: 1.2 };
const TRAIN = { steps: 20000, batch: 32, lr: 0.0005, warmupSteps: 500, emaDecay: 0.999, gradClip: null, seed: 0, logEvery: 100,
  checkpointEvery: 1000, threads: null };
const SMALL_TRAIN = { steps: 100000, batch: 32, lr: 0.001, warmupSteps: 200, emaDecay: 0.998, gradClip: null, seed: 0, logEvery: 50,
  checkpointEvery: 200, threads: null };
const PRIOR = { layers: 4, dim: 128, heads: 4, steps: 3000, batch: 256, lr: 0.001, softTargets: false, temperature: 1 };
const SAMPLE = { steps: 18, sampler: 'heun', sigmaMin: 0.002, sigmaMax: 80, rho: 7, guidance: 1 };
const image = (o: object) => ({ data: FMNIST, model: UNET, latents: LATENTS, encoder: VIT, edm: EDM, train: TRAIN, prior: PRIOR,
  sample: SAMPLE, device: 'cpu', ...o });
const small = (o: object) => image({ model: SMALL_UNET, encoder: { ...VIT, depth: 2 }, train: SMALL_TRAIN,
  prior: { ...PRIOR, layers: 2, steps: 400 }, sample: { ...SAMPLE, steps: 12 }, ...o });
const TOY_MLP = { kind: 'mlp', hidden: 256, layers: 4, embDim: 64, analyticGaussian: true };
const toy = (o: object) => ({ data: { kind: 'toy', name: '8gaussians', n: 8000 }, model: TOY_MLP,
  encoder: { kind: 'mlp', hidden: 256, layers: 3 },
  train: { steps: 3000, batch: 512, lr: 0.001, warmupSteps: 100, emaDecay: 0.995, seed: 0, logEvery: 100, checkpointEvery: 1000 },
  prior: { layers: 2, dim: 64, heads: 4, steps: 500, batch: 256, lr: 0.001 }, sample: { steps: 50, sampler: 'heun' }, ...o });

/** Each YAML config's JSON original (configs/<old name>.json before the move to YAML), as written then. */
const ORIGINALS: Record<string, { old: string; json: object }> = {
  'fmnist-disco': { old: 'fmnist-disco-cpu', json: small({ name: 'fmnist-disco-cpu',
    model: { ...SMALL_UNET, analyticGaussian: true }, latents: { ...LATENTS, centreInit: 'encoder', restartEvery: 0 },
    encoder: { ...VIT, depth: 2, headPerLatent: true, headInit: 'kmeans' }, train: { ...SMALL_TRAIN, encoderLrScale: 0.1 } }) },
  'fmnist-edm': { old: 'fmnist-edm-cpu', json: small({ name: 'fmnist-edm-cpu', latents: NO_LATENTS,
    prior: { ...PRIOR, steps: 1500 } }) },
  'fmnist-disco-paper': { old: 'fmnist-disco-paper', json: small({ name: 'fmnist-disco-paper' }) },
  'fmnist-disco-large': { old: 'fmnist-disco', json: image({ name: 'fmnist-disco' }) },
  'fmnist-edm-large': { old: 'fmnist-edm', json: image({ name: 'fmnist-edm', latents: NO_LATENTS }) },
  'fmnist-disco-cond': { old: 'fmnist-disco-cond', json: image({ name: 'fmnist-disco-cond', data: { ...FMNIST, useLabels: true } }) },
  'fmnist-edm-cond': { old: 'fmnist-edm-cond', json: image({ name: 'fmnist-edm-cond', data: { ...FMNIST, useLabels: true },
    latents: NO_LATENTS }) },
  'fmnist-disco-groups': { old: 'fmnist-disco-groups', json: image({ name: 'fmnist-disco-groups',
    model: { ...UNET, latentGroups: [4, 4, 4] }, latents: { ...LATENTS, m: 12 } }) },
  'toy-disco': { old: '8gauss-disco', json: toy({ name: '8gauss-disco', model: { ...TOY_MLP, latentInput: 'presence' },
    latents: { enabled: true, m: 1, k: 8, tau: 1, hard: true, dropout: 0.1, centreInit: 'kmeans', centreUpdate: 'ema',
      centreDecay: 0.99, refitAfter: 0, restartEvery: 100, restartUntil: 0.5 } }) },
  'toy-disco-paper': { old: '8gauss-disco-paper', json: toy({ name: '8gauss-disco-paper',
    model: { ...TOY_MLP, latentInput: 'none' }, latents: { enabled: true, m: 1, k: 8, tau: 1, hard: true, dropout: 0.1,
      centreInit: 'random', centreUpdate: 'gradient', restartEvery: 0 } }) },
  'toy-edm': { old: '8gauss-edm', json: toy({ name: '8gauss-edm', latents: { enabled: false, m: 1, k: 8, tau: 1, hard: true, dropout: 0.1 } }) },
};

/**
 * The intended changes from the originals: every `name` is its file's name, the image paper's
 * form drops the two code regularisers that the paper does not have (diversity and sampleEntropy
 * back to the schema's 0), the shipped image config's encoder reads 8×8 patches at width 64
 * (its step cost: bench/images-step.ts), the toy configs' MLP encoder is 64 wide (the 2-D
 * step cost: docs/latents.md), and the toy paper form pins App. F's one isotropic Gaussian per code,
 * which the schema no longer defaults to.
 */
function expected(file: string): object {
  const raw = structuredClone(ORIGINALS[file]!.json) as { name: string; model: Record<string, unknown>; latents: Record<string, unknown>;
    encoder: Record<string, unknown> };
  raw.name = file;
  if (file === 'fmnist-disco-paper') { delete raw.latents.diversity; delete raw.latents.sampleEntropy; }
  if (file === 'fmnist-disco') Object.assign(raw.encoder, { patch: 8, dim: 64 });
  if (file.startsWith('toy-')) raw.encoder.hidden = 64;
  if (file === 'toy-disco-paper') Object.assign(raw.model, { codeModes: 1, codeCovariance: 'isotropic' });
  return parseConfig(raw, file);
}

/** The run configs (the docking configs, `domain: docking`, are checked in test/config/docking-config.test.ts). */
const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.yaml'))
  .filter((f) => !isDockingConfig(parseYaml(readFileSync(join(CONFIGS, f), 'utf8'))))
  .map((f) => f.slice(0, -'.yaml'.length)).sort();

test('every config in configs/ has its original here', () => {
  assert.deepEqual(files, Object.keys(ORIGINALS).sort());
});

for (const file of files) {
  test(`configs/${file}.yaml parses to its original configs/${ORIGINALS[file]?.old}.json but for the stated changes`, () => {
    const cfg = loadConfig(join(CONFIGS, `${file}.yaml`));
    assert.equal(cfg.name, file);
    assert.deepEqual(cfg, expected(file));
  });

  test(`configs/${file}.yaml writes no default: leaving out any key it sets changes the config`, () => {
    const raw = parseYaml(readFileSync(join(CONFIGS, `${file}.yaml`), 'utf8')) as Record<string, unknown>;
    const whole = parseConfig(raw);
    for (const path of leafPaths(raw).filter((p) => p.at(-1) !== 'kind')) {
      const without = structuredClone(raw);
      const parent = path.slice(0, -1).reduce((o, k) => o[k] as Record<string, unknown>, without);
      delete parent[path.at(-1)!];
      let parsed: unknown = null;
      try { parsed = parseConfig(without); } catch { continue; } // without it the config is invalid: not a default
      assert.notDeepEqual(parsed, whole, `${path.join('.')} is the schema's default; leave it to the schema`);
    }
  });
}

test("the paper's forms have the paper's values (DisCo-Diff, Xu et al. 2024: Stage I, latent dropout, App. F)", () => {
  for (const file of ['fmnist-disco-paper', 'toy-disco-paper']) {
    const c = loadConfig(join(CONFIGS, `${file}.yaml`));
    assert.deepEqual({ tau: c.latents.tau, tauEnd: c.latents.tauEnd, hard: c.latents.hard, gumbelNoise: c.latents.gumbelNoise,
      dropout: c.latents.dropout, diversity: c.latents.diversity, sampleEntropy: c.latents.sampleEntropy,
      encoderLrScale: c.train.encoderLrScale, prior: c.prior.softTargets },
    { tau: 1, tauEnd: null, hard: true, gumbelNoise: 1, dropout: 0.1, diversity: 0, sampleEntropy: 0, encoderLrScale: 1, prior: false },
    file);
  }
  const image = loadConfig(join(CONFIGS, 'fmnist-disco-paper.yaml'));
  assert.ok(image.model.kind === 'unet' && image.encoder.kind === 'vit');
  assert.deepEqual([image.model.analyticGaussian, image.model.centreInput, image.encoder.headPerLatent, image.encoder.headInit],
    [false, false, false, 'random'], 'z only through cross-attention; one shared, randomly initialised encoder head');
  const toy = loadConfig(join(CONFIGS, 'toy-disco-paper.yaml'));
  assert.ok(toy.model.kind === 'mlp');
  assert.deepEqual([toy.model.analyticGaussian, toy.model.latentInput, toy.latents.centreInit, toy.latents.centreUpdate,
    toy.latents.restartEvery], [true, 'none', 'random', 'gradient', 0], 'App. F: z only through its code\'s Gaussian, learned by gradient');
});

/** The paths of the leaves (non-object values, arrays included) of a parsed YAML document. */
function leafPaths(o: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(o).flatMap(([k, v]) => typeof v === 'object' && v !== null && !Array.isArray(v)
    ? leafPaths(v as Record<string, unknown>, [...prefix, k]) : [[...prefix, k]]);
}

// `disco-diff export --format edm`: a plain U-Net with EDM's options, written in the layout of NVlabs
// EDM's DhariwalUNet, loads strictly into a PyTorch reference of that layout (test/interop/edm_unet.py)
// and gives our D(x, σ) through EDM's preconditioning, from σ = 0.01 to 80.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Generator, noGrad, randint, randn, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { saveSafetensors } from '../../src/io/index.js';
import { EDMPrecond } from '../../src/edm/precond.js';
import { UNet, UNetBlock, type UNetOptions } from '../../src/networks/unet.js';
import { unetOptions } from '../networks/options.js';
import { edmKwargs, edmStateDict } from '../../src/networks/edm-export.js';
import { parseConfig } from '../../src/config/load.js';
import { trainStage1 } from '../../src/train/stage1.js';
import { loadRun } from '../../src/train/load-run.js';
import { perturbZeroInit, runPython, skipWithoutTorch, type Agreement } from './helpers.js';

before(() => setNumThreads(1));

const ROOT = join(import.meta.dirname, '..', '..');
const SIGMAS = [0.01, 0.1, 0.5, 1, 5, 20, 80];

/** EDM's options: 32 channels at 8×8 make no head of 64 (no attention there), 128 at 4×4 make 2. */
const EDM_EXACT: UNetOptions = unetOptions({
  resolution: 8, inChannels: 1, numClasses: 3, channels: 32, channelMult: [1, 4], numBlocks: 1, attnResolutions: [8, 4],
  dropout: 0, channelsPerHead: 64, noiseFrequencies: 'edm',
});

/** Inputs at every σ of SIGMAS (noisy data of scale σ_data = 0.5; labels when `classes`) and D's output on them. */
function probe(D: EDMPrecond, shape: number[], classes: number, seed: number): Map<string, Tensor> {
  const g = new Generator(seed);
  const sigma = tensor(SIGMAS);
  const x = randn([SIGMAS.length, ...shape], { generator: g }).mul(sigma.square().add(0.25).sqrt().view(-1, 1, 1, 1));
  const labels = classes ? randint(0, classes, [SIGMAS.length], { generator: g }) : undefined;
  const out = noGrad(() => D.forward(x, sigma, { labels }));
  g.dispose();
  const io = new Map([['x', x], ['sigma', sigma], ['out', out]]);
  if (labels) io.set('labels', labels);
  return io;
}

test('export --format edm loads strictly into EDM\'s DhariwalUNet layout and gives our D(x, σ), σ = 0.01…80',
  { skip: skipWithoutTorch }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edm-export-'));
    try {
      const args: string[] = [];
      const params: number[] = [];
      tidy(() => {
        const net = new UNet(EDM_EXACT).eval();
        const heads = Object.fromEntries(net.enc.items.map(([n, b]) => [n, b instanceof UNetBlock ? b.attn?.heads ?? 0 : 0]));
        assert.deepEqual(heads, { '8x8_conv': 0, '8x8_block0': 0, '4x4_down': 0, '4x4_block0': 2 });
        perturbZeroInit(net);
        const D = new EDMPrecond(net, 0.5);
        saveSafetensors(join(dir, 'lib.safetensors'), edmStateDict(net), { edm_kwargs: JSON.stringify(edmKwargs(net)), sigma_data: '0.5' });
        saveSafetensors(join(dir, 'lib-io.safetensors'), probe(D, [1, 8, 8], 3, 1));
        args.push(join(dir, 'lib.safetensors'), join(dir, 'lib-io.safetensors'));
        params.push(net.numParameters());
        net.dispose();
      });

      // A trained class-conditional run, exported by the CLI.
      const run = join(dir, 'run');
      await trainStage1(parseConfig({
        data: { kind: 'fashion-mnist', resolution: 16, limit: 16, useLabels: true },
        model: { kind: 'unet', channels: 32, channelMult: [1, 2], numBlocks: 1, attnResolutions: [8], dropout: 0,
          channelsPerHead: 64, noiseFrequencies: 'edm' },
        latents: { enabled: false },
        train: { steps: 2, batch: 8, lr: 0.01, warmupSteps: 0, emaDecay: 0, logEvery: 2, checkpointEvery: 2 },
      }), run, { quiet: true });
      const file = join(dir, 'run.safetensors');
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'disco-diff.js'), 'export', '--format', 'edm', '--run', run,
        '--out', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /wrote \d+ tensors in edm's layout/);
      const L = loadRun(run);
      tidy(() => saveSafetensors(join(dir, 'run-io.safetensors'), probe(L.model.denoiser, [1, 16, 16], 10, 2)));
      args.push(file, join(dir, 'run-io.safetensors'));
      params.push(L.model.denoiser.numParameters());
      L.model.dispose();

      const res = runPython<Agreement[]>('edm_unet.py', args);
      res.forEach((a, i) => {
        assert.equal(a.params, params[i], 'parameter count');
        assert.ok(a.out_abs_max > 0.1 && a.max_abs_diff <= 1e-5 * a.out_abs_max, JSON.stringify(a));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

test('export --format edm refuses a U-Net EDM computes differently, naming the config key', () => {
  const cases: [Partial<UNetOptions>, RegExp][] = [
    [{ noiseFrequencies: 'low' }, /model\.noiseFrequencies: 'edm'/],
    [{ channelsPerHead: null, heads: 2 }, /model\.channelsPerHead: 64/],
    [{ latents: { m: 2, k: 3 }, numClasses: 0, attnResolutions: [4] }, /latents\.enabled: false/],
  ];
  for (const [o, message] of cases) {
    const net = new UNet({ ...EDM_EXACT, ...o });
    assert.throws(() => tidy(() => edmStateDict(net)), message);
    net.dispose();
  }
});

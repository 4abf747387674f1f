// The 2-D denoiser D(x, σ, z) against a PyTorch reference (test/interop/mlp_denoiser.py) that
// computes it from our checkpoint file: every latent input, every form of the analytic term (one
// isotropic or full Gaussian per code, or a mixture of either, with random parameters), the plain
// EDM baseline, latent dropout and absent latents.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F, Generator, eye, noGrad, rand, randint, randn, setNumThreads, tensor, tidy, type Tensor } from '../../src/engine/index.js';
import { saveCheckpoint, saveSafetensors } from '../../src/io/index.js';
import { parseConfig } from '../../src/config/load.js';
import { createModel } from '../../src/networks/build.js';
import type { MLPDenoiser } from '../../src/networks/mlp-denoiser.js';
import type { Conditioning } from '../../src/disco/conditioning.js';
import { runPython, skipWithoutTorch, type Agreement } from './helpers.js';

before(() => setNumThreads(1));

const info = { shape: [2], numClasses: 0, sigmaData: 0.5 };
const SIGMAS = [0.01, 0.05, 0.2, 0.5, 1, 2, 5, 20, 80];

/** Random code parameters: spread means, unequal weights and scales, covariances A Aᵀ + 0.05 I of random shape. */
function randomCodes(net: MLPDenoiser, g: Generator): void {
  noGrad(() => {
    const set = (t: Tensor | null, v: () => Tensor) => { if (t) t.copy_(v()); };
    set(net.means, () => randn(net.means!.shape, { generator: g }));
    set(net.subMeans, () => randn(net.subMeans!.shape, { generator: g }));
    set(net.logStds, () => randn(net.logStds!.shape, { generator: g }).mul(0.5).sub(1));
    set(net.subLogStds, () => randn(net.subLogStds!.shape, { generator: g }).mul(0.5).sub(1));
    set(net.subLogWeights, () => randn(net.subLogWeights!.shape, { generator: g }));
    for (const cov of [net.cov, net.subCov]) {
      set(cov, () => { const a = randn(cov!.shape, { generator: g }).mul(0.4); return a.matmul(a.transpose(-1, -2)).add(eye(2).mul(0.05)); });
    }
  });
}

/** A toy run's config with the given model and latent settings (small widths). */
const config = (model: object, latents: object) => parseConfig({
  data: { kind: 'toy', name: '8gaussians' },
  model: { kind: 'mlp', hidden: 32, layers: 3, embDim: 16, ...model },
  encoder: { kind: 'mlp', hidden: 16, layers: 2 },
  latents: { m: 2, k: 3, ...latents },
});

test('the 2-D denoiser in PyTorch, loaded from our checkpoint, equals ours', { skip: skipWithoutTorch }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlp-ref-'));
  const cases: [string, ReturnType<typeof config>][] = [
    ['presence (default codes: a mixture of full Gaussians)', config({ latentInput: 'presence' }, {})],
    ['embedding', config({ latentInput: 'embedding' }, {})],
    ['none', config({ latentInput: 'none' }, {})],
    ['one isotropic Gaussian per code', config({ codeModes: 1, codeCovariance: 'isotropic' }, {})],
    ['a mixture of isotropic Gaussians per code', config({ codeModes: 2, codeCovariance: 'isotropic' }, {})],
    ['one full Gaussian per code', config({ codeModes: 1, codeCovariance: 'full' }, {})],
    ['embedding, no analytic Gaussian', config({ latentInput: 'embedding', analyticGaussian: false }, {})],
    ['plain EDM', config({}, { enabled: false })],
  ];
  try {
    const args: string[] = [];
    const params: number[] = [];
    cases.forEach(([name, cfg], i) => tidy(() => {
      const g = new Generator(10 + i);
      const model = createModel(cfg, info).eval();
      randomCodes(model.denoiser.net as MLPDenoiser, g);
      const B = SIGMAS.length * 2;
      const x = randn([B, 2], { generator: g }).mul(2);
      const sigma = tensor([...SIGMAS, ...SIGMAS]);
      const io = new Map<string, Tensor>([['x', x], ['sigma', sigma]]);
      const cond: Conditioning = {};
      if (cfg.latents.enabled) {
        io.set('latents', cond.latents = F.oneHot(randint(0, 3, [B, 2], { generator: g }), 3).float());
        io.set('drop', cond.dropLatents = rand([B], { generator: g }).lt(0.3));
      }
      const out = noGrad(() => model.denoiser.forward(x, sigma, cond));
      io.set('out', out);
      const ck = join(dir, `${i}.safetensors`), file = join(dir, `${i}-io.safetensors`);
      saveCheckpoint(ck, { model: model.stateDict(), meta: { config: cfg, dataInfo: info } });
      saveSafetensors(file, io);
      args.push(ck, file);
      params.push(model.denoiser.numParameters());
      assert.ok(out.abs().max().item() > 0.1, name);
      model.dispose();
      g.dispose();
    }));
    const res = runPython<Agreement[]>('mlp_denoiser.py', args);
    res.forEach((r, i) => {
      const name = cases[i]![0];
      assert.equal(r.params, params[i], `${name}: parameter count`);
      assert.ok(r.max_abs_diff <= 1e-5 * r.out_abs_max, `${name}: ${JSON.stringify(r)}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

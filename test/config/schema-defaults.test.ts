// The config schema is the one place for defaults: a minimal config builds exactly the networks it documents.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setNumThreads, tidy } from '../../src/engine/index.js';
import { parseConfig } from '../../src/config/load.js';
import { FULL_COVARIANCE_MAX_DIM, codeCovarianceFor } from '../../src/config/schema.js';
import { createModel } from '../../src/networks/build.js';
import { MLPDenoiser } from '../../src/networks/mlp-denoiser.js';
import { MLPEncoder } from '../../src/networks/mlp-encoder.js';
import { UNet, UNetBlock } from '../../src/networks/unet.js';
import type { Conv2d } from '../../src/nn/layers.js';
import { ViTEncoder } from '../../src/networks/vit-encoder.js';
import { LatentPrior } from '../../src/disco/prior.js';

before(() => setNumThreads(1));

/** A section without its `kind` (and other keys the network does not take). */
const without = <T extends object>(o: T, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

test('a minimal toy config builds the MLP denoiser and encoder the schema documents', () => tidy(() => {
  const cfg = parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' } });
  const info = { shape: [2], numClasses: 0, sigmaData: 0.7 };
  const model = createModel(cfg, info);
  const net = model.denoiser.net as MLPDenoiser;
  assert.ok(net instanceof MLPDenoiser);
  const { m, k } = cfg.latents;
  assert.deepEqual(net.options, { ...without(cfg.model, 'kind'), codeCovariance: 'full', dim: 2, latents: { m, k }, sigmaData: 0.7 });
  assert.equal(model.denoiser.sigmaData, 0.7);
  // The documented defaults, as the network has them.
  const mlp = cfg.model.kind === 'mlp' ? cfg.model : assert.fail();
  assert.deepEqual([mlp.hidden, mlp.layers, mlp.embDim, mlp.analyticGaussian, mlp.latentInput, mlp.codeModes, mlp.codeCovariance, m, k],
    [256, 4, 64, true, 'presence', 2, 'auto', 1, 8]);
  assert.equal(net.input, 'presence');
  assert.deepEqual(net.inX.weight.shape, [mlp.hidden, 2]);
  assert.deepEqual(net.noise.fc2.weight.shape, [mlp.embDim, mlp.embDim]);
  assert.equal(1 + net.mlp.layers.length, mlp.layers, 'model.layers counts every linear layer');
  assert.deepEqual(net.latent!.table.shape, [1, 1, mlp.embDim], "'presence': one row for \"latents present\"");
  assert.deepEqual([net.means!.shape, net.logStds!.shape], [[m, k, 2], [m, k]]);
  // Each code's analytic term: a mixture of two full-covariance Gaussians ('auto' on 2-D data).
  assert.deepEqual([net.subMeans!.shape, net.subCov!.shape, net.subLogWeights!.shape, net.subLogStds, net.cov], [[m, k, 2, 2], [m, k, 2, 2, 2], [m, k, 2], null, null]);
  // The encoder.
  const enc = model.encoder as MLPEncoder;
  assert.ok(enc instanceof MLPEncoder);
  assert.deepEqual(enc.options, { ...without(cfg.encoder, 'kind'), inDim: 2, m, k });
  assert.deepEqual(enc.mlp.layers.map((l) => l.weight.shape), [[64, 2], [64, 64], [m * k, 64]]);
  // The plain baseline: same network, no latent modules.
  const edm = createModel(parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' }, latents: { enabled: false } }), info);
  assert.equal(edm.encoder, null);
  assert.deepEqual((edm.denoiser.net as MLPDenoiser).options.latents, null);
}));

test('a minimal image config builds the U-Net and ViT the schema documents', () => tidy(() => {
  const cfg = parseConfig({ data: { kind: 'fashion-mnist' }, model: { kind: 'unet' }, encoder: { kind: 'vit' } });
  const info = { shape: [1, 32, 32], numClasses: 0, sigmaData: 0.5 };
  const model = createModel(cfg, info);
  const net = model.denoiser.net as UNet;
  assert.ok(net instanceof UNet);
  const { m, k } = cfg.latents;
  assert.deepEqual(net.options, { ...without(cfg.model, 'kind'), resolution: 32, inChannels: 1, numClasses: 0, latents: { m, k }, sigmaData: 0.5 });
  const u = cfg.model.kind === 'unet' ? cfg.model : assert.fail();
  assert.deepEqual([u.channels, u.channelMult, u.channelMultEmb, u.numBlocks, u.attnResolutions, u.heads, u.latentDim, u.latentLayers],
    [64, [1, 2, 2], 4, 2, [16], 4, 128, 2]);
  assert.deepEqual(net.map_noise.fc1.weight.shape, [u.channels * u.channelMultEmb, u.channels]);
  assert.deepEqual((net.enc.items[0]![1] as Conv2d).weight.shape, [u.channels, 1, 3, 3]);
  // Self-attention (u.heads heads) exactly at the documented resolutions, each with cross-attention to the latents.
  const blocks = [...net.enc.items, ...net.dec.items].filter(([, b]) => b instanceof UNetBlock) as [string, UNetBlock][];
  const attended = blocks.filter(([, b]) => b.attn).map(([n]) => n);
  assert.ok(attended.length > 0 && attended.every((n) => n.startsWith('16x16') || n.startsWith('8x8_in0')), `${attended}`);
  for (const [, b] of blocks.filter(([, b]) => b.attn)) assert.deepEqual([b.attn!.heads, !!b.cross], [u.heads, true]);
  assert.ok(blocks.every(([, b]) => b.dropout === u.dropout));
  assert.deepEqual(net.latent!.embed.table.shape, [m, k, u.latentDim]);
  assert.equal(net.latent!.blocks.items.length, u.latentLayers);
  assert.equal(net.means, null, 'analyticGaussian is off by default');
  // The encoder.
  const vit = model.encoder as ViTEncoder;
  assert.ok(vit instanceof ViTEncoder);
  const e = cfg.encoder.kind === 'vit' ? cfg.encoder : assert.fail();
  assert.deepEqual(vit.options, { ...without(e, 'kind', 'headInit'), resolution: 32, inChannels: 1, m, k, numClasses: 0 });
  assert.deepEqual(vit.patch_embed.weight.shape, [e.dim, 1, e.patch, e.patch]);
  assert.equal(vit.blocks.items.length, e.depth);
  assert.ok(vit.head && !vit.heads, 'one shared head by default');
}));

test('the prior takes its size from the prior section', () => tidy(() => {
  const p = parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' } }).prior;
  assert.deepEqual([p.layers, p.dim, p.heads], [2, 64, 4]);
  const prior = new LatentPrior({ m: 3, k: 8, numClasses: 0, dim: p.dim, layers: p.layers, heads: p.heads });
  assert.deepEqual(prior.pos.shape, [3, p.dim]);
  assert.equal(prior.blocks.items.length, p.layers);
  assert.deepEqual(prior.head.weight.shape, [8, p.dim]);
}));

test('a bad config value is an error that names its key', () => {
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', hidden: -1 } }), /model\.hidden: /);
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'unet', channelMultEmb: 0 } }), /model\.channelMultEmb: /);
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', latentInput: 'all' } }), /model\.latentInput: /);
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' }, encoder: { kind: 'vit', depth: 1.5 } }), /encoder\.depth: /);
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp' }, prior: { dim: 30, heads: 4 } }), /prior\.heads: must divide prior\.dim/);
  assert.throws(() => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', width: 3 } }), /model: .*width/);
});

test("codeCovariance 'auto': a full Σ per code up to FULL_COVARIANCE_MAX_DIM dimensions with the EMA codebook, else isotropic", () => {
  const cfg = (model: object, latents: object = {}) => parseConfig({ data: { kind: 'toy' }, model: { kind: 'mlp', ...model }, latents });
  const resolve = (c: ReturnType<typeof cfg>, dim: number) => (c.model.kind === 'mlp' ? codeCovarianceFor(c.model, c.latents, dim) : assert.fail());
  const auto = cfg({});
  assert.deepEqual([resolve(auto, 2), resolve(auto, FULL_COVARIANCE_MAX_DIM), resolve(auto, FULL_COVARIANCE_MAX_DIM + 1)], ['full', 'full', 'isotropic']);
  assert.equal(resolve(cfg({}, { centreUpdate: 'gradient' }), 2), 'isotropic', 'the gradient codebook learns isotropic codes only');
  assert.equal(resolve(cfg({ codeCovariance: 'isotropic' }), 2), 'isotropic');
  assert.equal(resolve(cfg({ codeCovariance: 'full' }), 500), 'full');
  assert.throws(() => cfg({ codeCovariance: 'full' }, { centreUpdate: 'gradient' }), /'full' needs latents.centreUpdate 'ema'/);
});

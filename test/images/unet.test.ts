// The image networks: U-Net (baseline, latent, class-conditional, group-hierarchical) and ViT encoder.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { join } from 'node:path';
import {
  F, Generator, liveTensors, manualSeed, noGrad, randn, randint, setNumThreads, tensor, tidy, type Tensor,
} from '../../src/engine/index.js';
import { Attention2d, LatentContext, UNet, UNetBlock, type UNetOptions } from '../../src/networks/unet.js';
import { ViTEncoder } from '../../src/networks/vit-encoder.js';
import { parseConfig } from '../../src/config/load.js';
import { noiseFrequencies } from '../../src/networks/noise-embedding.js';
import { EDMPrecond, edmCoefficients } from '../../src/edm/precond.js';
import { edmLoss } from '../../src/edm/loss.js';
import { gaussianSkip } from '../../src/disco/gaussian-skip.js';
import { gumbelSoftmax } from '../../src/disco/gumbel.js';
import { saveSafetensors } from '../../src/io/index.js';
import { Adam } from '../../src/optim/index.js';
import { perturbZeroInit, runPython, skipWithoutTorch, type Agreement } from '../interop/helpers.js';
import { unetOptions, vitEncoderOptions } from '../networks/options.js';

// Tiny networks: one thread is as fast, and far faster on a machine busy with other work.
before(() => setNumThreads(1));

const TINY: UNetOptions = unetOptions({
  resolution: 8, inChannels: 1, channels: 8, channelMult: [1, 2], numBlocks: 1, attnResolutions: [4], heads: 2,
  latentDim: 16, latentLayers: 1, dropout: 0,
});

const oneHot = (codes: Tensor, k: number): Tensor => F.oneHot(codes, k).float();

// Parameter counts by formula (Conv2d/Linear with bias, GroupNorm/LayerNorm with affine).
const conv = (i: number, o: number, k: number): number => i * o * k * k + o;
const norm = (c: number): number => 2 * c;
const selfAttn = (c: number): number => norm(c) + conv(c, 3 * c, 1) + conv(c, c, 1);
const crossAttn = (c: number, d: number): number => norm(c) + conv(c, c, 1) + (d * 2 * c + 2 * c) + conv(c, c, 1);
const block = (i: number, o: number, e: number): number =>
  norm(i) + conv(i, o, 3) + (e * 2 * o + 2 * o) + norm(o) + conv(o, o, 3) + (i !== o ? conv(i, o, 1) : 0);
const transformer = (d: number): number => 2 * norm(d) + 4 * (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d);

test('UNetBlock and Attention2d parameter counts match the formulas', () => {
  const E = 32;
  assert.equal(new UNetBlock(8, 16, E).numParameters(), block(8, 16, E));
  assert.equal(new UNetBlock(16, 16, E, { down: true }).numParameters(), block(16, 16, E));
  assert.equal(new UNetBlock(16, 16, E, { attention: true, heads: 2 }).numParameters(), block(16, 16, E) + selfAttn(16));
  assert.equal(new UNetBlock(24, 16, E, { attention: true, crossDim: 12, heads: 4 }).numParameters(),
    block(24, 16, E) + selfAttn(16) + crossAttn(16, 12));
  assert.throws(() => new Attention2d(10, 4), /10 channels do not split into 4 heads/);
});

test('U-Net: output shapes; latent version = baseline + latent Transformer + one cross-attention per self-attention', () => tidy(() => {
  manualSeed(0);
  const base = new UNet({ ...TINY, latents: null });
  const lat = new UNet({ ...TINY, latents: { m: 3, k: 5 } });
  const x = randn([2, 1, 8, 8]), c = randn([2]);
  assert.deepEqual(base.forward(x, c, {}).shape, [2, 1, 8, 8]);
  assert.deepEqual(lat.forward(x, c, { latents: oneHot(randint(0, 5, [2, 3]), 5) }).shape, [2, 1, 8, 8]);
  // Self-attention at 4×4 (16 channels): enc 4x4_block0, dec 4x4_in0, dec 4x4_block0, dec 4x4_block1.
  const selfLayers = [...lat.namedParameters()].filter(([n]) => n.endsWith('attn.qkv.weight')).length;
  assert.equal(selfLayers, 4);
  const latentPath = 3 * 5 * 16 + 3 * 16 + transformer(16) + norm(16);
  assert.equal(lat.numParameters() - base.numParameters(), latentPath + selfLayers * crossAttn(16, 16));
  assert.ok(base.numParameters() > 0 && base.numParameters() < lat.numParameters());
  // Stable readable names (EDM's checkpoint keys).
  const names = [...lat.stateDict().keys()];
  for (const k of ['enc.8x8_conv.weight', 'enc.4x4_down.conv0.weight', 'enc.4x4_block0.cross.kv.weight',
    'dec.4x4_in0.attn.qkv.weight', 'dec.8x8_up.conv0.weight', 'dec.8x8_block1.skip.weight', 'latent.embed.table',
    'latent.blocks.0.attn.q.weight', 'out_conv.weight', 'map_noise.fc1.weight']) assert.ok(names.includes(k), k);
  // A small 32×32 default stays stable: the count is a regression guard for the architecture.
  assert.equal(new UNet(unetOptions({ resolution: 32, inChannels: 1, channels: 32 })).numParameters(), 1921601);
  // EDM zero-init: the untrained network outputs exactly 0.
  assert.equal(lat.forward(x, c, {}).abs().max().item(), 0);
  for (const m of [base, lat]) m.dispose();
}));

test('U-Net: the output depends on the latents through cross-attention; dropped latents do not', () => tidy(() => {
  manualSeed(1);
  const net = new UNet({ ...TINY, latents: { m: 3, k: 5 } }).eval();
  perturbZeroInit(net);
  const x = randn([4, 1, 8, 8]), c = randn([4]);
  const z1 = oneHot(randint(0, 5, [4, 3]), 5), z2 = oneHot(randint(0, 5, [4, 3]).add(1).remainder(5), 5);
  const y1 = net.forward(x, c, { latents: z1 }), y2 = net.forward(x, c, { latents: z2 });
  assert.ok(y1.sub(y2).abs().max().item() > 1e-4, 'changing z changes D');
  const drop = randint(0, 1, [4]).add(1).to({ dtype: 'bool' }); // all dropped
  const d1 = net.forward(x, c, { latents: z1, dropLatents: drop }), d2 = net.forward(x, c, { latents: z2, dropLatents: drop });
  assert.equal(d1.sub(d2).abs().max().item(), 0, 'dropped latents use the null embedding');
  assert.ok(d1.sub(net.forward(x, c, {})).abs().max().item() < 1e-5, 'dropped = no latents');
  // Cross-attention on its own: output moves with the context, zero-init output → identity.
  const xa = new Attention2d(8, 2, 6);
  const h = randn([2, 8, 4, 4]);
  assert.equal(xa.forward(h, randn([2, 3, 6])).sub(h).abs().max().item(), 0);
  perturbZeroInit(xa);
  assert.ok(xa.forward(h, randn([2, 3, 6])).sub(xa.forward(h, randn([2, 3, 6]))).abs().max().item() > 1e-4);
  net.dispose();
}));

test('U-Net with EDM\'s options: channels // 64 heads (none below 64 channels) and noise frequencies 1 … 10⁻⁴', () => tidy(() => {
  const o: UNetOptions = { ...TINY, channels: 32, channelMult: [1, 4], attnResolutions: [8, 4], channelsPerHead: 64, noiseFrequencies: 'edm' };
  const net = new UNet(o);
  const heads = [...net.enc.items, ...net.dec.items].map(([n, b]) => [n, (b as UNetBlock).attn?.heads ?? 0]);
  assert.deepEqual(heads.filter(([, h]) => h), [['4x4_block0', 2], ['4x4_in0', 2], ['4x4_block0', 2], ['4x4_block1', 2]]);
  assert.deepEqual(noiseFrequencies(4, 'edm', 'cpu').toFlatArray().map((f) => Number(f.toPrecision(6))), [1, 0.1, 0.01, 0.001]);
  assert.deepEqual(noiseFrequencies(3, 'low', 'cpu').toFlatArray().map((f) => Number(f.toPrecision(6))), [1, 4, 16]);
  assert.throws(() => new UNet({ ...o, latents: { m: 2, k: 3 } }), /32 channels make no head of 64 channels for the cross-attention/);
  net.dispose();
}));

test('U-Net: class labels condition the embedding and are required', () => tidy(() => {
  manualSeed(2);
  const net = new UNet({ ...TINY, numClasses: 10 }).eval();
  perturbZeroInit(net);
  const x = randn([2, 1, 8, 8]), c = randn([2]);
  const a = net.forward(x, c, { labels: randint(0, 5, [2]) }), b = net.forward(x, c, { labels: randint(5, 10, [2]) });
  assert.ok(a.sub(b).abs().max().item() > 1e-4);
  assert.throws(() => net.forward(x, c, {}), /class-conditional .* got no labels/);
  net.dispose();
}));

test('U-Net: group-hierarchical latents feed one up-path resolution each, lowest first', () => tidy(() => {
  manualSeed(3);
  const net = new UNet({ ...TINY, latents: { m: 4, k: 5 }, latentGroups: [1, 3] }).eval();
  const cross = new Map<string, [number, number] | null>();
  for (const [name, b] of [...net.enc.items, ...net.dec.items].map(([n, b]) => [n, b as UNetBlock] as const)) {
    if (b instanceof UNetBlock && b.cross) cross.set(name, b.contextSlice);
  }
  assert.deepEqual([...cross.entries()], [
    ['4x4_in0', [0, 1]], ['4x4_block0', [0, 1]], ['4x4_block1', [0, 1]],
    ['8x8_block0', [1, 4]], ['8x8_block1', [1, 4]],
  ]);
  // The latent Transformer runs within groups: group 1's codes do not change group 0's context.
  const ctx = net.latent as LatentContext;
  const z = randint(0, 5, [2, 4]);
  const z2 = z.clone();
  noGrad(() => z2.slice(1, 1, 4).copy_(z.slice(1, 1, 4).add(1).remainder(5)));
  const c1 = ctx.forward({ latents: oneHot(z, 5) }, 2), c2 = ctx.forward({ latents: oneHot(z2, 5) }, 2);
  assert.equal(c1.slice(1, 0, 1).sub(c2.slice(1, 0, 1)).abs().max().item(), 0);
  assert.ok(c1.slice(1, 1, 4).sub(c2.slice(1, 1, 4)).abs().max().item() > 1e-3);
  // With the 8×8 cross-attention outputs silenced, group 1 has no way into D, group 0 still has.
  perturbZeroInit(net);
  noGrad(() => {
    for (const [name, b] of net.dec.items) if (name.startsWith('8x8') && b instanceof UNetBlock && b.cross) b.cross.proj.weight.zero_();
  });
  const x = randn([2, 1, 8, 8]), c = randn([2]);
  const z3 = z.clone();
  noGrad(() => z3.slice(1, 0, 1).copy_(z.slice(1, 0, 1).add(1).remainder(5)));
  const D = (codes: Tensor) => net.forward(x, c, { latents: oneHot(codes, 5) });
  assert.equal(D(z).sub(D(z2)).abs().max().item(), 0, 'group 1 reaches only the 8×8 cross-attention');
  assert.ok(D(z).sub(D(z3)).abs().max().item() > 1e-4, 'group 0 reaches the 4×4 cross-attention');
  assert.throws(() => new UNet({ ...TINY, latents: { m: 4, k: 5 }, latentGroups: [1, 2] }), /sum to 3, but m = 4/);
  assert.throws(() => new UNet({ ...TINY, latents: { m: 3, k: 5 }, latentGroups: [1, 1, 1] }), /3 latent groups but only 2/);
  net.dispose();
}));

test('U-Net: analyticGaussian makes the skip term the per-code Gaussian denoisers', () => tidy(() => {
  manualSeed(9);
  const net = new UNet({ ...TINY, latents: { m: 2, k: 5 }, analyticGaussian: true, sigmaData: 0.5 }).eval();
  assert.deepEqual(net.means!.shape, [2, 5, 64]);
  assert.deepEqual(net.logStds!.shape, [2, 5]);
  const D = new EDMPrecond(net, 0.5);
  const x = randn([3, 1, 8, 8]), sigma = tensor([0.2, 1, 50]);
  const z = oneHot(randint(0, 5, [3, 2]), 5);
  // The output conv starts at zero, so at initialisation D is the skip term alone.
  const s = sigma.view(3, 1, 1, 1);
  const want = gaussianSkip(x, s, edmCoefficients(s, 0.5).cSkip, z, net);
  assert.ok(D.forward(x, sigma, { latents: z }).sub(want).abs().max().item() < 1e-5);
  // At large σ the skip is the mean of the codes' centres.
  const centre = z.transpose(0, 1).bmm(net.means!).mean(0).reshape(3, 1, 8, 8);
  assert.ok(want.select(0, 2).sub(centre.select(0, 2)).abs().max().item() < 1e-2);
  net.dispose();
}));

test('U-Net: centreInput shows the first conv the codes\' centre image (zero-init), and only with analyticGaussian', () => tidy(() => {
  const lat = { latents: { m: 2, k: 5 }, analyticGaussian: true, sigmaData: 0.5 };
  manualSeed(10);
  const withCentre = new UNet({ ...TINY, ...lat, centreInput: true }).eval();
  manualSeed(10);
  const without = new UNet({ ...TINY, ...lat }).eval();
  assert.deepEqual(withCentre.centre_conv!.weight.shape, [8, 1, 3, 3]);
  assert.equal(withCentre.numParameters() - without.numParameters(), 8 * 9 + 8);
  const x = randn([2, 1, 8, 8]), c = randn([2]);
  const z1 = oneHot(tensor([[0, 1], [2, 3]]).long(), 5), z2 = oneHot(tensor([[4, 1], [2, 0]]).long(), 5);
  const d0 = withCentre.forward(x, c, { latents: z1 }).sub(without.forward(x, c, { latents: z1 })).abs().max().item();
  assert.equal(d0, 0, 'same initial weights, and the centre conv starts at zero');
  for (const net of [withCentre, without]) {
    perturbZeroInit(net);
    noGrad(() => { // z's other path, cross-attention, is cut
      for (const [, b] of [...net.enc.items, ...net.dec.items]) if (b instanceof UNetBlock && b.cross) b.cross.proj.weight.zero_();
    });
  }
  const dz = (net: UNet) => net.forward(x, c, { latents: z1 }).sub(net.forward(x, c, { latents: z2 })).abs().max().item();
  assert.equal(dz(without), 0);
  assert.ok(dz(withCentre) > 1e-4, 'z reaches F through the centre image');
  // Dropped rows see a zero centre, as a run without latents does.
  const drop = tensor([1, 1]).gt(0);
  const dropped = withCentre.forward(x, c, { latents: z1, dropLatents: drop });
  assert.equal(dropped.sub(withCentre.forward(x, c, { latents: z2, dropLatents: drop })).abs().max().item(), 0);
  assert.throws(() => new UNet({ ...TINY, latents: { m: 2, k: 5 }, centreInput: true }), /centreInput needs analyticGaussian/);
  const shipped = parseYaml(readFileSync('configs/fmnist-disco.yaml', 'utf8'));
  assert.throws(() => parseConfig({ ...shipped, model: { ...shipped.model, analyticGaussian: false, centreInput: true } }),
    /centreInput.*needs model.analyticGaussian/s);
  assert.equal(parseConfig({ ...shipped, model: { ...shipped.model, centreInput: true } }).model.kind, 'unet');
  for (const m of [withCentre, without]) m.dispose();
}));

test('ViT encoder: logits [B, m, k], parameter count, labels', () => tidy(() => {
  manualSeed(4);
  const o = { resolution: 8, inChannels: 1, m: 3, k: 7, patch: 4, dim: 16, depth: 2, heads: 2 };
  const vit = new ViTEncoder(vitEncoderOptions(o));
  assert.deepEqual(vit.forward(randn([5, 1, 8, 8])).shape, [5, 3, 7]);
  const T = 4, d = 16;
  assert.equal(vit.numParameters(), conv(1, d, 4) + T * d + 3 * d + 2 * transformer(d) + norm(d) + (d * 7 + 7));
  const cond = new ViTEncoder(vitEncoderOptions({ ...o, numClasses: 10 }));
  assert.equal(cond.numParameters() - vit.numParameters(), 10 * d);
  const y = randn([2, 1, 8, 8]);
  assert.ok(cond.forward(y, randint(0, 5, [2])).sub(cond.forward(y, randint(5, 10, [2]))).abs().max().item() > 1e-5);
  assert.throws(() => cond.forward(y), /got no labels/);
  assert.throws(() => new ViTEncoder(vitEncoderOptions({ ...o, patch: 3 })), /not divisible by patch 3/);
  for (const m of [vit, cond]) m.dispose();
}));

test('gradients reach the encoder: ViT → straight-through Gumbel-Softmax → U-Net → EDM loss', () => tidy(() => {
  manualSeed(5);
  const vit = new ViTEncoder(vitEncoderOptions({ resolution: 8, inChannels: 1, m: 3, k: 5, patch: 4, dim: 16, depth: 1, heads: 2 }));
  const net = new UNet({ ...TINY, latents: { m: 3, k: 5 } });
  perturbZeroInit(net);
  const D = new EDMPrecond(net, 0.5);
  const y = randn([4, 1, 8, 8]).mul(0.5);
  const z = gumbelSoftmax(vit.forward(y), { tau: 1, hard: true, noise: 1 });
  const { loss } = edmLoss((x, s) => D.forward(x, s, { latents: z }), y, { pMean: -1.2, pStd: 1.2, sigmaData: 0.5 });
  loss.mean().backward();
  for (const [name, p] of vit.namedParameters()) {
    const g = p.grad;
    assert.ok(g && g.abs().max().item() > 0, `encoder parameter ${name} got a gradient`);
  }
  for (const m of [vit, net]) m.dispose();
}));

/** The options the PyTorch reference's UNet takes (it has no analytic skip, centre input or EDM head rule). */
const refKwargs = (o: UNetOptions) => {
  const { channelsPerHead: _, noiseFrequencies: __, analyticGaussian: ___, sigmaData: ____, centreInput: _____, ...kw } = o;
  return kw;
};

test('U-Net = the PyTorch reference (bench/images_unet_ref.py) on the same weights', { skip: skipWithoutTorch }, () => tidy(() => {
  const dir = mkdtempSync(join(tmpdir(), 'unet-ref-'));
  try {
    for (const o of [
      { ...TINY, numClasses: 3, latents: { m: 3, k: 5 } },
      { ...TINY, latents: { m: 4, k: 5 }, latentGroups: [1, 3], attnResolutions: [] },
    ] as UNetOptions[]) {
      manualSeed(6);
      const net = new UNet(o).eval();
      perturbZeroInit(net);
      const g = new Generator(7);
      const x = randn([3, 1, 8, 8], { generator: g }), c_noise = randn([3], { generator: g });
      const z = oneHot(randint(0, 5, [3, o.latents!.m], { generator: g }), 5);
      const labels = randint(0, 3, [3], { generator: g });
      const out = noGrad(() => net.forward(x, c_noise, { latents: z, labels: o.numClasses ? labels : undefined }));
      const file = join(dir, 'w.safetensors');
      const t = new Map<string, Tensor>([...net.stateDict()].map(([k, v]) => [`net.${k}`, v]));
      for (const [k, v] of Object.entries({ x, c_noise, z, out, ...(o.numClasses ? { labels } : {}) })) t.set(k, v);
      saveSafetensors(file, t);
      const res = runPython<Agreement>(join(import.meta.dirname, '..', '..', 'bench', 'images_unet_ref.py'),
        ['--config', JSON.stringify(refKwargs(o)), '--check', file]);
      assert.equal(res.params, net.numParameters());
      assert.ok(res.out_abs_max > 0.01 && res.max_abs_diff < 1e-5, JSON.stringify(res));
      g.dispose();
      net.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}));

test('a U-Net + ViT training step leaves no tensors behind', () => {
  manualSeed(8);
  const vit = new ViTEncoder(vitEncoderOptions({ resolution: 8, inChannels: 1, m: 3, k: 5, patch: 4, dim: 16, depth: 1, heads: 2 }));
  const D = new EDMPrecond(new UNet({ ...TINY, latents: { m: 3, k: 5 }, dropout: 0.1 }), 0.5);
  const params = [...D.namedParameters(), ...vit.namedParameters()];
  const opt = new Adam(params, { lr: 1e-3 });
  const y = randn([4, 1, 8, 8]);
  const step = () => tidy(() => {
    opt.zeroGrad();
    const z = gumbelSoftmax(vit.forward(y), { tau: 1, hard: true, noise: 1 });
    edmLoss((x, s) => D.forward(x, s, { latents: z, dropLatents: randn([4]).gt(1) }), y, { pMean: -1.2, pStd: 1.2, sigmaData: 0.5 }).loss.mean().backward();
    opt.update();
  });
  step();
  const live = liveTensors();
  step();
  step();
  assert.equal(liveTensors(), live);
  opt.zeroGrad();
  for (const d of [opt, D, vit, y]) d.dispose();
});

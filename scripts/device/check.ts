/**
 * The device check's test subset: the engine's ops and their gradients on the device against the
 * CPU, a U-Net Stage-I training step, sampling, save/load and the latent prior, all on `--device`.
 * On a GPU machine that is cuda; the dry run (`--device cpu`) runs the same code CPU against CPU,
 * which keeps the script working where no GPU is. Prints one JSON object (the sections).
 *
 *   node --import tsx scripts/device/check.ts --device cuda|cpu
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  F, Generator, buildInfo, cat, cudaAvailable, full, manualSeed, noGrad, randint, randn, synchronize, tidy, type Device, type Tensor,
} from '../../src/engine/index.js';
import { UNet } from '../../src/networks/unet.js';
import { EDMPrecond } from '../../src/edm/precond.js';
import { edmLoss } from '../../src/edm/loss.js';
import { edmSample } from '../../src/edm/samplers.js';
import { edmSigmas } from '../../src/edm/schedule.js';
import { LatentPrior } from '../../src/disco/prior.js';
import { Adam } from '../../src/optim/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/index.js';
import { cudaMemory, deviceFlag, flags, section, unetOptions, type Section } from './common.js';

/** Largest |a − b| over max(1, |b|max): the tolerance is relative to the reference's scale. */
function relDiff(a: Tensor, b: Tensor): number {
  return tidy(() => {
    const ref = b.to({ device: 'cpu' }).float();
    return a.to({ device: 'cpu' }).float().sub(ref).abs().max().item() / Math.max(1, ref.abs().max().item());
  });
}

type Op = (xs: Tensor[]) => Tensor;
/** Ops over float inputs of the given shapes; each is run forward and backward on both devices. */
const OPS: [string, number[][], Op][] = [
  ['matmul', [[16, 32], [32, 24]], ([a, b]) => a!.matmul(b!)],
  ['bmm', [[3, 8, 5], [3, 5, 4]], ([a, b]) => a!.bmm(b!)],
  ['linear', [[6, 10], [7, 10], [7]], ([x, w, b]) => F.linear(x!, w!, b)],
  ['conv2d', [[2, 3, 8, 8], [4, 3, 3, 3], [4]], ([x, w, b]) => F.conv2d(x!, w!, b, { padding: 1 })],
  ['conv_transpose2d', [[2, 4, 4, 4], [4, 3, 2, 2], [3]], ([x, w, b]) => F.convTranspose2d(x!, w!, b, { stride: 2 })],
  ['group_norm', [[2, 8, 4, 4], [8], [8]], ([x, w, b]) => F.groupNorm(x!, 2, w, b)],
  ['layer_norm', [[4, 6, 10], [10], [10]], ([x, w, b]) => F.layerNorm(x!, [10], w, b)],
  ['softmax', [[5, 9]], ([x]) => x!.softmax(-1)],
  ['log_softmax', [[5, 9]], ([x]) => x!.logSoftmax(1)],
  ['elementwise', [[4, 7]], ([x]) => x!.gelu().add(x!.silu()).add(x!.tanh()).add(x!.exp().mul(0.1)).add(x!.abs().add(1).log())],
  ['reductions', [[3, 4, 5]], ([x]) => cat([x!.sum([1]), x!.mean([1]), x!.logsumexp([1]), x!.var([1]), x!.norm(2, [1])], 1)],
  ['cumsum', [[4, 6]], ([x]) => x!.cumsum(1)],
  ['interpolate', [[1, 2, 4, 4]], ([x]) => cat([F.interpolate(x!, { scale: 2 }), F.interpolate(x!, { scale: 2, mode: 'bilinear' })], 1)],
  ['pool', [[1, 2, 6, 6]], ([x]) => cat([F.avgPool2d(x!, 2), F.maxPool2d(x!, 2)], 1)],
  ['attention', [[2, 2, 5, 4], [2, 2, 6, 4], [2, 2, 6, 4]], ([q, k, v]) => F.scaledDotProductAttention(q!, k!, v!)],
  ['mse_loss', [[4, 5], [4, 5]], ([a, b]) => F.mseLoss(a!, b!)],
  ['shape_ops', [[2, 3, 4]], ([x]) => cat([x!.permute(0, 2, 1).reshape(2, 12), x!.flip(2).reshape(2, 12)], 1)],
];

/** Each op on the device and on the CPU from the same inputs: outputs and input gradients. */
function ops(device: Device): Section[] {
  const g = new Generator(7);
  return OPS.map(([name, shapes, op]) => section(`op ${name}`, () => tidy(() => {
    const inputs = shapes.map((s) => randn(s, { generator: g }));
    const run = (d: Device) => {
      const xs = inputs.map((x) => x.to({ device: d }).detach().requiresGrad_());
      const out = op(xs);
      const weights = randn(out.shape, { generator: new Generator(1) }).to({ device: d });
      out.mul(weights).sum().backward();
      return { out, grads: xs.map((x) => x.grad!) };
    };
    const ref = run('cpu'), dev = run(device);
    const out = relDiff(dev.out, ref.out);
    const grad = Math.max(...dev.grads.map((gr, i) => relDiff(gr, ref.grads[i]!)));
    // cuDNN convolutions run in TF32 by default on Ampere and later: about 1e-3 relative.
    return { ok: out <= 5e-3 && grad <= 5e-3, out_rel_diff: out, grad_rel_diff: grad, device: dev.out.device };
  })));
}

/** Integer and indexing ops, and seeded draws (made on the CPU generator, then moved), which must agree exactly. */
function exactOps(device: Device): Section {
  return section('exact ops', () => tidy(() => {
    const g = new Generator(3);
    const x = randn([5, 6], { generator: g }), idx = randint(0, 5, [4], { generator: g });
    const both = (d: Device) => {
      const xd = x.to({ device: d }), id = idx.to({ device: d });
      return cat([xd.indexSelect(0, id).flatten(), xd.gather(1, id.reshape(1, 4).expand(5, 4)).flatten(),
        xd.sort(1).values.flatten(), xd.topk(2, 1).values.flatten(), xd.argmax(1).float(), xd.clamp(-0.5, 0.5).flatten(),
        xd.gt(0).float().flatten(), randn([6], { device: d, generator: new Generator(5) })]);
    };
    const diff = relDiff(both(device), both('cpu'));
    return { ok: diff === 0, diff };
  }));
}

/** A tiny U-Net of the image config, one EDM training step on the device, and its forward against the CPU's. */
function unetStep(device: Device, configPath: string, shrink: boolean): Section {
  return section('unet stage-1 step', () => {
    manualSeed(0);
    const { options } = unetOptions(configPath, shrink);
    const net = new UNet({ ...options, dropout: 0 }).to({ device });
    const D = new EDMPrecond(net, 0.5);
    const opt = new Adam(D.namedParameters(), { lr: 1e-3 });
    const g = new Generator(5);
    const B = 4, r = options.resolution;
    const flat = () => tidy(() => cat(net.parameters().map((p) => p.detach().flatten().to({ device: 'cpu' }))));
    const before = flat();
    const losses: number[] = [];
    for (let i = 0; i < 2; i++) {
      losses.push(tidy(() => {
        opt.zeroGrad();
        const y = randn([B, 1, r, r], { generator: g }).mul(0.5).to({ device });
        const z = options.latents ? F.oneHot(randint(0, options.latents.k, [B, options.latents.m], { generator: g }), options.latents.k).float().to({ device }) : null;
        const loss = edmLoss((x, s) => D.forward(x, s, { latents: z }), y, { pMean: -1.2, pStd: 1.2, sigmaData: 0.5, generator: g }).loss.mean();
        loss.backward();
        opt.update();
        return loss.item();
      }));
    }
    synchronize();
    const moved = tidy(() => flat().sub(before).abs().max().item());
    // The same weights on the CPU give the same output.
    const fwd = tidy(() => {
      const x = randn([2, 1, r, r], { generator: g }), c = randn([2], { generator: g });
      const z = options.latents ? F.oneHot(randint(0, options.latents.k, [2, options.latents.m], { generator: g }), options.latents.k).float() : null;
      const onDev = noGrad(() => net.forward(x.to({ device }), c.to({ device }), { latents: z?.to({ device }) ?? null }));
      const cpuNet = new UNet({ ...options, dropout: 0 });
      cpuNet.loadStateDict(new Map([...net.stateDict()].map(([k, v]) => [k, v.to({ device: 'cpu' })])));
      return relDiff(onDev, noGrad(() => cpuNet.forward(x, c, { latents: z })));
    });
    before.dispose();
    g.dispose();
    return { ok: losses.every(Number.isFinite) && moved > 0 && fwd <= 5e-3, losses, param_change: moved, forward_rel_diff: fwd,
      params: net.numParameters(), memory: cudaMemory() };
  });
}

/** Heun sampling with a small U-Net denoiser on the device, against the same on the CPU. */
function sampling(device: Device, configPath: string, shrink: boolean): Section {
  return section('sampling', () => tidy(() => {
    manualSeed(1);
    const { options } = unetOptions(configPath, shrink);
    const o = { ...options, latents: null, dropout: 0 };
    const cpuNet = new UNet(o).eval();
    const devNet = new UNet(o).eval();
    devNet.loadStateDict(cpuNet.stateDict());
    devNet.to({ device });
    const sigmas = edmSigmas(4, { sigmaMin: 0.002, sigmaMax: 80, rho: 7 });
    const x0 = randn([2, 1, o.resolution, o.resolution], { generator: new Generator(9) }).mul(sigmas[0]!);
    const run = (net: UNet, d: Device) => {
      const D = new EDMPrecond(net, 0.5);
      return noGrad(() => edmSample((x, s) => D.forward(x, full([x.size(0)], s, { device: d })), x0.to({ device: d }), sigmas)).x;
    };
    const a = run(devNet, device), b = run(cpuNet, 'cpu');
    const diff = relDiff(a, b);
    return { ok: a.isfinite().all().item() === 1 && diff <= 5e-3, rel_diff: diff, nfe: 2 * (sigmas.length - 1) - 1, device: a.device };
  }));
}

/** A state dict saved from the device and loaded back is bit-identical. */
function saveLoad(device: Device): Section {
  return section('save/load', () => tidy(() => {
    const dir = mkdtempSync(join(tmpdir(), 'device-check-'));
    try {
      const g = new Generator(11);
      const t = new Map<string, Tensor>([['a', randn([3, 4], { generator: g }).to({ device })],
        ['b', randint(0, 9, [5], { generator: g }).to({ device })], ['c', randn([2], { generator: g }).to({ device, dtype: 'float64' })]]);
      saveSafetensors(join(dir, 'x.safetensors'), t);
      const back = loadSafetensors(join(dir, 'x.safetensors')).tensors;
      const same = [...t].every(([k, v]) => {
        const w = back.get(k)!;
        return w.dtype === v.dtype && relDiff(w.to({ device }), v) === 0;
      });
      return { ok: same, keys: [...back.keys()] };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }));
}

/** The latent prior: a training step and sampling on the device; codes in range, draws reproducible. */
function prior(device: Device): Section {
  return section('prior', () => tidy(() => {
    manualSeed(2);
    const p = new LatentPrior({ m: 4, k: 6, numClasses: 0, dim: 16, layers: 1, heads: 2 }).to({ device });
    const opt = new Adam(p.namedParameters(), { lr: 1e-3 });
    const target = randint(0, 6, [8, 4], { generator: new Generator(4) }).to({ device });
    const loss = p.loss(target).mean();
    loss.backward();
    opt.update();
    const draw = () => p.sample(5, { temperature: 1, generator: new Generator(6) });
    const a = draw(), b = draw();
    const inRange = a.ge(0).all().item() === 1 && a.lt(6).all().item() === 1;
    return { ok: Number.isFinite(loss.item()) && inRange && relDiff(a, b) === 0, loss: loss.item(), shape: a.shape, device: a.device };
  }));
}

function main(): void {
  const f = flags(process.argv.slice(2));
  const device = deviceFlag(f);
  if (device === 'cuda' && !cudaAvailable()) throw new Error('--device cuda, but the addon sees no CUDA device');
  const config = f.get('config') ?? 'configs/fmnist-disco.yaml';
  const shrink = device === 'cpu';
  const info = buildInfo();
  const sections = [
    ...ops(device), exactOps(device), unetStep(device, config, shrink), sampling(device, config, shrink), saveLoad(device), prior(device),
  ];
  console.log(JSON.stringify({ device, torch: info.torchVersion, cuda: info.cuda, sections }));
}

main();

/**
 * The device check's benchmark: one U-Net training step (EDM preconditioning + loss, forward,
 * backward, Adam) of each image config at each batch size, ours against PyTorch's
 * (scripts/device/unet_ref.py, the same network as bench/images_unet_ref.py) on the same device:
 * median step time, their ratio, images/s and peak memory (CUDA: the caching allocator's peak of
 * allocated bytes on both sides; CPU: each process's peak RSS). Each side runs in its own process.
 * Prints one JSON object.
 *
 *   node --import tsx scripts/device/bench.ts --device cuda --configs configs/fmnist-disco.yaml,configs/fmnist-edm-large.yaml
 *     --batches 32,64,128 --warmup 3 --steps 10 [--python python3] [--shrink 1]
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { F, manualSeed, rand, randint, randn, synchronize, tidy, type Device } from '../../src/engine/index.js';
import { UNet, type UNetOptions } from '../../src/networks/unet.js';
import { EDMPrecond } from '../../src/edm/precond.js';
import { edmLoss } from '../../src/edm/loss.js';
import { Adam } from '../../src/optim/index.js';
import { cudaMemory, cudaResetPeak, deviceFlag, flags, unetOptions } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));

/** One side's measurement at one batch size. */
interface Row { batch: number; median_ms: number; wall_ms: number[]; peak_bytes: number; peak_kind: string }

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Our side, in a worker process: `warmup + steps` steps per batch size on `device`. */
function worker(o: UNetOptions, device: Device, batches: number[], warmup: number, steps: number): { params: number; rows: Row[] } {
  manualSeed(0);
  const net = new UNet(o).to({ device });
  const D = new EDMPrecond(net, 0.5);
  const opt = new Adam(D.namedParameters(), { lr: 1e-4 });
  const rows = batches.map((B) => {
    const y = randn([B, o.inChannels, o.resolution, o.resolution], { device }).mul(0.5);
    const z = o.latents ? F.oneHot(randint(0, o.latents.k, [B, o.latents.m], { device }), o.latents.k).float() : null;
    synchronize();
    cudaResetPeak();
    const wall: number[] = [];
    for (let i = 0; i < warmup + steps; i++) {
      const t0 = performance.now();
      tidy(() => {
        opt.zeroGrad();
        const dropLatents = z ? rand([B], { device }).lt(0.1) : undefined;
        edmLoss((x, s) => D.forward(x, s, { latents: z, dropLatents }), y, { pMean: -1.2, pStd: 1.2, sigmaData: 0.5 }).loss.mean().backward();
        opt.update();
      });
      synchronize();
      if (i >= warmup) wall.push(performance.now() - t0);
    }
    const mem = cudaMemory();
    y.dispose();
    z?.dispose();
    return { batch: B, median_ms: median(wall), wall_ms: wall, peak_bytes: mem ? mem.peakAllocated : process.resourceUsage().maxRSS * 1024,
      peak_kind: mem ? 'cuda allocated' : 'process max RSS' };
  });
  return { params: net.numParameters(), rows };
}

function runJson(cmd: string, args: string[]): Record<string, unknown> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(' ')} … failed (${r.signal ?? r.status}): ${r.stderr.trim().split('\n').slice(-8).join('\n')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

function main(): void {
  const f = flags(process.argv.slice(2));
  const device = deviceFlag(f);
  const batches = (f.get('batches') ?? '32,64,128').split(',').map(Number);
  const warmup = Number(f.get('warmup') ?? 3), steps = Number(f.get('steps') ?? 10);
  if (f.has('worker')) {
    console.log(JSON.stringify(worker(JSON.parse(f.get('worker')!) as UNetOptions, device, batches, warmup, steps)));
    return;
  }
  const python = f.get('python') ?? 'python3';
  const shrink = f.get('shrink') === '1';
  const configs = (f.get('configs') ?? 'configs/fmnist-disco.yaml,configs/fmnist-edm-large.yaml').split(',');
  const plan = ['--device', device, '--batches', batches.join(','), '--warmup', String(warmup), '--steps', String(steps)];
  const results = configs.map((config) => {
    const { options, dropped } = unetOptions(config, shrink);
    try {
      const ours = runJson(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', JSON.stringify(options), ...plan]);
      const torch = runJson(python, [join(here, 'unet_ref.py'), '--config', JSON.stringify(options), ...plan]);
      const rows = (ours.rows as Row[]).map((o, i) => {
        const t = (torch.rows as Row[])[i]!;
        return { batch: o.batch, ours_ms: o.median_ms, torch_ms: t.median_ms, ratio: o.median_ms / t.median_ms,
          ours_images_per_s: (1000 * o.batch) / o.median_ms, torch_images_per_s: (1000 * t.batch) / t.median_ms,
          ours_peak_bytes: o.peak_bytes, torch_peak_bytes: t.peak_bytes, memory_ratio: o.peak_bytes / t.peak_bytes, peak_kind: o.peak_kind };
      });
      // The same network on both sides, or the comparison means nothing.
      if (ours.params !== torch.params) throw new Error(`parameters: ours ${String(ours.params)}, PyTorch ${String(torch.params)}`);
      return { config, ok: true, dropped, torch_version: torch.torch, params: ours.params, rows };
    } catch (e) {
      return { config, ok: false, dropped, error: (e as Error).message };
    }
  });
  console.log(JSON.stringify({ device, batches, warmup, steps, shrink, results }));
}

main();

/**
 * U-Net benchmark: one training step (EDM preconditioning + loss, forward, backward, Adam) of the
 * Fashion-MNIST U-Net (configs/fmnist-disco-large.yaml: latents on; --baseline: configs/fmnist-edm-large.yaml)
 * at batch 32, 32×32, in disco-diff and in PyTorch (bench/images_unet_ref.py, the same
 * architecture on the same libtorch). First the two forward passes are compared on the same
 * weights (proving the networks are the same), then the sides alternate in child processes.
 * Wall time and process CPU time per step (the second is what to trust on a shared machine). At
 * the first thread count our side also runs with the system allocator (DISCO_MALLOC=default),
 * which shows how much of the difference is the addon's CPU block cache. Each side's peak RSS is
 * reported next to its time.
 *
 *   node --import tsx bench/images-unet.ts [--baseline] [--threads 1,2] [--rounds 2] [--steps 5] [--warmup 2]
 *     [--config configs/fmnist-disco.yaml]   (another U-Net config; each side's peak RSS is reported too)
 *   → bench/results/images-unet.json
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  F, Generator, buildInfo, manualSeed, noGrad, numThreads, rand, randint, randn, setNumThreads, tidy, type Tensor,
} from '../src/engine/index.js';
import { UNet, type UNetOptions } from '../src/networks/unet.js';
import { unetOptionsFor } from '../src/networks/build.js';
import { EDMPrecond } from '../src/edm/precond.js';
import { edmLoss } from '../src/edm/loss.js';
import { Adam } from '../src/optim/index.js';
import { saveSafetensors } from '../src/io/index.js';
import { loadConfig } from '../src/config/load.js';
import { torchEnv } from './torch-env.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';

interface Side { wall_ms: number[]; cpu_ms: number[]; params: number; threads: number; max_rss_mb?: number }

/** The U-Net options a run config builds for one-channel images (σ_data 0.5 when the config measures it: images in [−1, 1]). */
function unetOptions(configPath: string): UNetOptions {
  const cfg = loadConfig(configPath);
  const res = 'resolution' in cfg.data ? cfg.data.resolution : 32;
  return unetOptionsFor(cfg, { shape: [1, res, res], numClasses: 0, sigmaData: cfg.edm.sigmaData ?? 0.5 });
}

const oneHot = (codes: Tensor, k: number): Tensor => F.oneHot(codes, k).float();

/** Worker: `warmup + steps` training steps in this process; prints one JSON line. */
function worker(o: UNetOptions, threads: number, batch: number, warmup: number, steps: number): void {
  setNumThreads(threads);
  manualSeed(0);
  const net = new UNet(o);
  const D = new EDMPrecond(net, 0.5);
  const opt = new Adam(D.namedParameters(), { lr: 1e-4 });
  const y = randn([batch, o.inChannels, o.resolution, o.resolution]).mul(0.5);
  const z = o.latents ? oneHot(randint(0, o.latents.k, [batch, o.latents.m]), o.latents.k) : null;
  const out: Side = { wall_ms: [], cpu_ms: [], params: net.numParameters(), threads: numThreads() };
  for (let i = 0; i < warmup + steps; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    tidy(() => {
      opt.zeroGrad();
      const dropLatents = z ? rand([batch]).lt(0.1) : undefined;
      edmLoss((x, s) => D.forward(x, s, { latents: z, dropLatents }), y, { pMean: -1.2, pStd: 1.2, sigmaData: 0.5 }).loss.mean().backward();
      opt.update();
    });
    const t1 = performance.now(), c = process.cpuUsage(c0);
    if (i < warmup) continue;
    out.wall_ms.push(t1 - t0);
    out.cpu_ms.push((c.user + c.system) / 1000);
  }
  out.max_rss_mb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify(out));
}

/** Same weights, same input: the PyTorch network must give the same output. */
function check(o: UNetOptions, dir: string): { params: number; torch_params: number; max_abs_diff: number; out_abs_max: number } {
  manualSeed(0);
  const net = new UNet({ ...o, dropout: 0 }).eval();
  const g = new Generator(1);
  const file = join(dir, 'check.safetensors');
  tidy(() => {
    // Randomise the zero-initialised layers, or both outputs would be exactly 0.
    noGrad(() => { for (const p of net.parameters()) if (p.abs().max().item() === 0) p.copy_(randn(p.shape, { generator: g }).mul(0.05)); });
    const x = randn([4, o.inChannels, o.resolution, o.resolution], { generator: g });
    const c_noise = randn([4], { generator: g });
    const z = o.latents ? oneHot(randint(0, o.latents.k, [4, o.latents.m], { generator: g }), o.latents.k) : null;
    const out = noGrad(() => net.forward(x, c_noise, { latents: z }));
    const t = new Map<string, Tensor>([...net.stateDict()].map(([k, v]) => [`net.${k}`, v]));
    for (const [k, v] of Object.entries({ x, c_noise, out, ...(z ? { z } : {}) })) t.set(k, v);
    saveSafetensors(file, t);
  });
  g.dispose();
  const r = run(PYTHON, [join(here, 'images_unet_ref.py'), '--config', JSON.stringify(o), '--check', file]);
  return { params: net.numParameters(), torch_params: r.params as number, max_abs_diff: r.max_abs_diff as number,
    out_abs_max: r.out_abs_max as number };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Record<string, unknown> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.signal ?? r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function main(): void {
  if (process.argv[2] === '--worker') {
    const w = JSON.parse(process.argv[3]!) as { o: UNetOptions; threads: number; batch: number; warmup: number; steps: number };
    return worker(w.o, w.threads, w.batch, w.warmup, w.steps);
  }
  const a = benchArgs('node --import tsx bench/images-unet.ts [flags]', {
    baseline: { kind: 'boolean', help: 'the plain EDM U-Net (configs/fmnist-edm-large.yaml)' },
    config: { kind: 'string', help: 'another U-Net run config (default configs/fmnist-disco-large.yaml)' },
    threads: { kind: 'numbers', default: '1,2', help: 'intra-op thread counts' },
    rounds: { kind: 'number', default: '2', help: 'rounds of both sides' },
    steps: { kind: 'number', default: '5', help: 'measured steps per process' },
    warmup: { kind: 'number', default: '2', help: 'warm-up steps per process' },
    batch: { kind: 'number', default: '32', help: 'batch size' },
    out: { kind: 'string', default: join(here, 'results', 'images-unet.json'), help: 'the result file' },
  });
  const configPath = a.config ?? join(here, '..', 'configs', a.baseline ? 'fmnist-edm-large.yaml' : 'fmnist-disco-large.yaml');
  const o = unetOptions(configPath);
  const { threads, rounds, batch } = a;
  const plan = { batch, warmup: a.warmup, steps: a.steps };
  console.log(`U-Net training step, ${configPath.split('/').pop()}, batch ${batch} at ${o.resolution}×${o.resolution}; ` +
    `libtorch ${buildInfo().torchVersion}; load average ${loadavg()[0]!.toFixed(2)}`);

  const dir = mkdtempSync(join(tmpdir(), 'unet-bench-'));
  const same = check(o, dir);
  rmSync(dir, { recursive: true, force: true });
  console.log(`parameters: ours ${same.params}, PyTorch ${same.torch_params}; forward on the same weights: ` +
    `max |Δ| = ${same.max_abs_diff.toExponential(2)} (|out| ≤ ${same.out_abs_max.toFixed(2)})`);
  if (same.params !== same.torch_params || !(same.max_abs_diff <= 1e-4 * Math.max(1, same.out_abs_max))) {
    throw new Error('the PyTorch reference is not the same network: fix bench/images_unet_ref.py first');
  }

  // Alternate the sides, so that drifting background load hits both.
  const samples: Record<string, { wall: number[]; cpu: number[]; rss: number }> = {};
  for (let r = 0; r < rounds; r++) {
    for (const t of threads) {
      const ourWorker = (env: NodeJS.ProcessEnv = {}) => run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url),
        '--worker', JSON.stringify({ o, threads: t, ...plan })], env) as unknown as Side;
      const ours = ourWorker();
      // The same, with the system allocator instead of the addon's block cache (native/allocator.cc).
      const sysMalloc = t === threads[0] ? ourWorker({ DISCO_MALLOC: 'default' }) : null;
      const theirs = run(PYTHON, [join(here, 'images_unet_ref.py'), '--config', JSON.stringify(o), '--threads', String(t),
        '--batch', String(batch), '--warmup', String(plan.warmup), '--steps', String(plan.steps)], torchEnv()) as unknown as Side;
      for (const [key, s] of [[`ours-${t}`, ours], [`torch-${t}`, theirs], [`ours-sysmalloc-${t}`, sysMalloc]] as const) {
        if (!s) continue;
        const e = (samples[key] ??= { wall: [], cpu: [], rss: 0 });
        e.wall.push(...s.wall_ms);
        e.cpu.push(...s.cpu_ms);
        e.rss = Math.max(e.rss, s.max_rss_mb ?? 0);
      }
    }
  }
  const rows = threads.map((t) => {
    const ours = samples[`ours-${t}`]!, torch = samples[`torch-${t}`]!;
    const row = {
      threads: t, ours_ms: median(ours.wall), torch_ms: median(torch.wall), ours_cpu_ms: median(ours.cpu),
      torch_cpu_ms: median(torch.cpu), ratio: 0, cpu_ratio: 0, ours_peak_rss_mb: ours.rss, torch_peak_rss_mb: torch.rss,
      rss_ratio: ours.rss / torch.rss,
    };
    row.ratio = row.ours_ms / row.torch_ms;
    row.cpu_ratio = row.ours_cpu_ms / row.torch_cpu_ms;
    return row;
  });
  const f = (v: number, w = 10, d = 1) => v.toFixed(d).padStart(w);
  console.log(`\nms per step (median of ${rounds}×${plan.steps})    ours     torch     ratio  ours cpu torch cpu cpu ratio` +
    '   ours MB  torch MB RSS ratio  target');
  for (const r of rows) {
    const missed = r.cpu_ratio > 1.05 || r.rss_ratio > 1.25 ? ' missed' : '';
    console.log(`${`${r.threads} thread(s)`.padEnd(30)}${f(r.ours_ms)}${f(r.torch_ms)}${f(r.ratio, 10, 3)}` +
      `${f(r.ours_cpu_ms)}${f(r.torch_cpu_ms)}${f(r.cpu_ratio, 10, 3)}${f(r.ours_peak_rss_mb, 10, 0)}${f(r.torch_peak_rss_mb, 10, 0)}` +
      `${f(r.rss_ratio, 10, 3)}  ≤ 1.05, RSS ≤ 1.25${missed}`);
  }
  const sys = samples[`ours-sysmalloc-${threads[0]}`];
  if (sys) {
    const r = rows[0]!, ms = median(sys.wall), cpu = median(sys.cpu);
    console.log(`${`${r.threads} thread(s), system malloc`.padEnd(30)}${f(ms)}${f(r.torch_ms)}${f(ms / r.torch_ms, 10, 3)}` +
      `${f(cpu)}${f(r.torch_cpu_ms)}${f(cpu / r.torch_cpu_ms, 10, 3)}  (DISCO_MALLOC=default: without the block cache)`);
    Object.assign(r, { ours_sysmalloc_ms: ms, ours_sysmalloc_cpu_ms: cpu });
  }
  mkdirSync(dirname(a.out), { recursive: true });
  writeFileSync(a.out, JSON.stringify({
    machine: machineRecord({ threads }), config: configPath.split('/').slice(-2).join('/'), unet: o, ...plan, rounds,
    load_average: loadavg()[0], check: same, rows, samples,
  }, null, 2));
  console.log(`wrote ${a.out}`);
}

main();

/**
 * Engine benchmark: time per training step (forward + backward + Adam) of three models in
 * disco-diff and in PyTorch (bench/engine_ref.py, same libtorch), 1 and 2 intra-op threads,
 * a 1024³ matmul on one thread, per-op overhead, and the allocator (mallopt / glibc / jemalloc).
 * Every measurement runs in its own child process; medians over N steps after warm-up.
 *
 *   node --import tsx bench/engine.ts            # full run → bench/results/engine.json
 *   node --import tsx bench/engine.ts --quick    # fewer steps, for a smoke test
 *
 * W1 MLP 2→256→256→256→2 SiLU, batch 1024, MSE.
 * W2 conv net on [64,3,32,32]: conv 3→64, 64→64, avgpool 2, 64→128, 128→128, nearest ×2, 128→64, 64→3.
 * W3 attention block on [64,256,128]: x + o(attn(LayerNorm(x))), 4 heads, q/k/v/o linears.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  F, buildInfo, manualSeed, noGrad, numThreads, randn, setNumThreads, tidy, type Tensor,
} from '../src/engine/index.js';
import { Conv2d, LayerNorm, MLP, Module, MultiheadAttention } from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';

type Workload = 'W1' | 'W2' | 'W3' | 'MM' | 'OV';
/** workload → [warm-up, measured] steps */
type Plan = Partial<Record<Workload, [number, number]>>;
interface SideResult {
  side: string;
  threads: number;
  /** median wall ms, median process CPU ms (user + system, all threads) and system part, per step */
  results: Partial<Record<Workload, { median_ms: number; cpu_ms: number; sys_ms: number; ms: number[] }>>;
  max_rss_mb: number;
  rss_mb?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const JEMALLOC = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
const PYTHON = '/usr/bin/python3';

// ---- workloads (mirror bench/engine_ref.py) -------------------------------------------------------
class ConvNet extends Module {
  readonly convs: Conv2d[];
  constructor() {
    super();
    const widths = [[3, 64], [64, 64], [64, 128], [128, 128], [128, 64], [64, 3]] as const;
    this.convs = widths.map(([i, o], k) => this.module(String(k), new Conv2d(i, o, 3)));
  }
  forward(x: Tensor): Tensor {
    const c = this.convs;
    let h = c[1]!.forward(c[0]!.forward(x).silu()).silu();
    h = F.avgPool2d(h, 2);
    h = c[3]!.forward(c[2]!.forward(h).silu()).silu();
    h = F.interpolate(h, { scale: 2, mode: 'nearest' });
    return c[5]!.forward(c[4]!.forward(h).silu());
  }
}

class AttentionBlock extends Module {
  readonly norm = this.module('norm', new LayerNorm(128));
  readonly attn = this.module('attn', new MultiheadAttention(128, 4));
  forward(x: Tensor): Tensor {
    return x.add(this.attn.forward(this.norm.forward(x)));
  }
}

function make(name: 'W1' | 'W2' | 'W3'): { model: { forward(x: Tensor): Tensor } & Module; x: Tensor; y: Tensor } {
  manualSeed(0);
  if (name === 'W1') return { model: new MLP([2, 256, 256, 256, 2], 'silu'), x: randn([1024, 2]), y: randn([1024, 2]) };
  if (name === 'W2') return { model: new ConvNet(), x: randn([64, 3, 32, 32]), y: randn([64, 3, 32, 32]) };
  return { model: new AttentionBlock(), x: randn([64, 256, 128]), y: randn([64, 256, 128]) };
}

/** Per-step samples: wall time and process CPU time (user + system over all threads). */
interface Samples { wall: number[]; cpu: number[]; sys: number[] }

/** Runs `body` warmup + steps times and samples the last `steps`. */
function timed(warmup: number, steps: number, body: () => void): Samples {
  const s: Samples = { wall: [], cpu: [], sys: [] };
  for (let i = 0; i < warmup + steps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    body();
    const t1 = performance.now();
    const c = process.cpuUsage(c0);
    if (i < warmup) continue;
    s.wall.push(t1 - t0);
    s.cpu.push((c.user + c.system) / 1000);
    s.sys.push(c.system / 1000);
  }
  return s;
}

function trainSteps(name: 'W1' | 'W2' | 'W3', warmup: number, steps: number): Samples {
  const { model, x, y } = make(name);
  const opt = new Adam(model.namedParameters(), { lr: 1e-3 });
  const s = timed(warmup, steps, () => tidy(() => {
    opt.zeroGrad();
    F.mseLoss(model.forward(x), y).backward();
    opt.update();
  }));
  for (const d of [model, opt, x, y]) d.dispose();
  return s;
}

function matmul(warmup: number, steps: number): Samples {
  manualSeed(0);
  const a = randn([1024, 1024]), b = randn([1024, 1024]);
  const s = noGrad(() => timed(warmup, steps, () => a.matmul(b).dispose()));
  a.dispose();
  b.dispose();
  return s;
}

/** Per-op cost on a tiny tensor: 1,000 adds per sample (ms per sample = µs per op). */
function overhead(warmup: number, steps: number): Samples {
  const x = randn([16]);
  const s = timed(warmup, steps, () => tidy(() => { for (let k = 0; k < 1000; k++) x.add(1); }));
  x.dispose();
  return s;
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The worker: runs `plan` in this process with `threads` and prints one JSON line. */
function worker(threads: number, plan: Plan): void {
  setNumThreads(threads);
  const out: SideResult = { side: 'disco-diff', threads: numThreads(), results: {}, max_rss_mb: 0 };
  for (const [name, [warmup, steps]] of Object.entries(plan) as [Workload, [number, number]][]) {
    let s: Samples;
    if (name === 'MM') {
      setNumThreads(1);
      s = matmul(warmup, steps);
      setNumThreads(threads);
    } else if (name === 'OV') s = overhead(warmup, steps);
    else s = trainSteps(name, warmup, steps);
    out.results[name] = { median_ms: median(s.wall), cpu_ms: median(s.cpu), sys_ms: median(s.sys), ms: s.wall };
  }
  out.max_rss_mb = process.resourceUsage().maxRSS / 1024;
  out.rss_mb = process.memoryUsage().rss / 2 ** 20;
  console.log(JSON.stringify(out));
}

// ---- orchestration --------------------------------------------------------------------------------
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): SideResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.signal ?? r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as SideResult;
}
const ours = (threads: number, plan: Plan, env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', String(threads), JSON.stringify(plan)], env);
const theirs = (threads: number, plan: Plan) =>
  run(PYTHON, [join(here, 'engine_ref.py'), '--threads', String(threads), '--plan', JSON.stringify(plan)]);

function main(): void {
  const quick = process.argv.includes('--quick');
  const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? (quick ? 1 : 2));
  const plan: Plan = quick
    ? { OV: [2, 5], MM: [2, 5], W1: [3, 10], W3: [1, 3], W2: [1, 2] }
    : { OV: [3, 15], MM: [3, 15], W1: [10, 40], W3: [2, 10], W2: [2, 6] };
  const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!hasTorch) console.warn(`${PYTHON} cannot import torch: PyTorch columns will be empty (bench/engine.sh installs python3-torch)`);
  const load0 = loadavg()[0]!;
  console.log(`disco-diff engine benchmark: libtorch ${buildInfo().torchVersion}, ${buildInfo().blas.split(' ').slice(0, 2).join(' ')}, ` +
    `load average ${load0.toFixed(2)}, ${rounds} round(s), plan ${JSON.stringify(plan)}`);

  // Each round alternates the sides, so drifting background load hits both; the best median
  // (least disturbed round) of each side is reported.
  const sides: Record<string, SideResult[]> = {};
  const push = (key: string, r: SideResult) => { (sides[key] ??= []).push(r); };
  for (let r = 0; r < rounds; r++) {
    for (const t of [1, 2]) {
      push(`ours-${t}`, ours(t, plan));
      if (hasTorch) push(`torch-${t}`, theirs(t, plan));
    }
  }
  const best = (key: string, w: Workload): number | null => {
    const v = (sides[key] ?? []).map((s) => s.results[w]?.median_ms).filter((x): x is number => x !== undefined);
    return v.length ? Math.min(...v) : null;
  };

  // Allocator: W1/W2 with the addon's mallopt tuning, plain glibc, and jemalloc, at the best thread count.
  const workloads: Workload[] = ['W1', 'W2', 'W3'];
  const bestThreads = (w: Workload) => ((best('ours-2', w) ?? Infinity) < (best('ours-1', w) ?? Infinity) ? 2 : 1);
  const allocThreads = bestThreads('W2');
  const allocPlan: Plan = { W1: plan.W1!, W2: plan.W2! };
  const allocators: Record<string, NodeJS.ProcessEnv> = {
    'mallopt (default)': {},
    'glibc untuned (DISCO_MALLOC=default)': { DISCO_MALLOC: 'default' },
    ...(existsSync(JEMALLOC) ? { 'jemalloc (LD_PRELOAD)': { DISCO_MALLOC: 'default', LD_PRELOAD: JEMALLOC } } : {}),
  };
  const alloc: Record<string, { W1_ms: number; W2_ms: number; max_rss_mb: number; rss_mb: number }> = {};
  for (const [name, env] of Object.entries(allocators)) {
    const r = ours(allocThreads, allocPlan, env);
    alloc[name] = { W1_ms: r.results.W1!.median_ms, W2_ms: r.results.W2!.median_ms, max_rss_mb: r.max_rss_mb, rss_mb: r.rss_mb! };
  }

  // ---- report ----
  const fmt = (v: number | null, d = 2) => (v === null ? '—' : v.toFixed(d)).padStart(10);
  const rows: Record<string, unknown>[] = [];
  console.log(`\n${'workload'.padEnd(26)}${'threads'.padStart(8)}${'ours ms'.padStart(10)}${'torch ms'.padStart(10)}${'ratio'.padStart(10)}  target`);
  const targets: Partial<Record<Workload, number>> = { W1: 1.0, W2: 1.05, W3: 1.05 };
  const labels: Record<Workload, string> = {
    W1: 'W1 MLP step', W2: 'W2 conv net step', W3: 'W3 attention step', MM: 'matmul 1024³ (1 thread)', OV: 'tiny add, µs/op',
  };
  for (const w of ['W1', 'W2', 'W3', 'OV'] as Workload[]) {
    for (const t of [1, 2]) {
      const a = best(`ours-${t}`, w), b = best(`torch-${t}`, w);
      const ratio = a !== null && b !== null ? a / b : null;
      const target = targets[w];
      console.log(`${labels[w].padEnd(26)}${String(t).padStart(8)}${fmt(a)}${fmt(b)}${fmt(ratio, 3)}  ${target ? `≤ ${target}${ratio !== null && ratio > target ? '  MISSED' : ''}` : ''}`);
      rows.push({ workload: w, threads: t, ours_ms: a, torch_ms: b, ratio, target: target ?? null });
    }
  }
  const gflops = (ms: number | null) => (ms === null ? null : (2 * 1024 ** 3) / (ms * 1e6));
  const mmOurs = Math.min(best('ours-1', 'MM') ?? Infinity, best('ours-2', 'MM') ?? Infinity);
  const mmTorch = Math.min(best('torch-1', 'MM') ?? Infinity, best('torch-2', 'MM') ?? Infinity);
  const gOurs = gflops(Number.isFinite(mmOurs) ? mmOurs : null), gTorch = gflops(Number.isFinite(mmTorch) ? mmTorch : null);
  console.log(`${labels.MM.padEnd(26)}${'1'.padStart(8)}${fmt(gOurs, 1)}${fmt(gTorch, 1)}  GFLOP/s`);
  const threadsBest = Object.fromEntries(workloads.map((w) => [w, bestThreads(w)]));
  console.log(`\nbest thread count (ours): ${workloads.map((w) => `${w}: ${threadsBest[w]}`).join(', ')}`);
  console.log(`\nallocator (${allocThreads} thread(s))`.padEnd(46) + 'W1 ms'.padStart(10) + 'W2 ms'.padStart(10) + 'peak MB'.padStart(10) + 'end MB'.padStart(10));
  for (const [name, a] of Object.entries(alloc)) {
    console.log(`${name.padEnd(45)}${fmt(a.W1_ms)}${fmt(a.W2_ms)}${fmt(a.max_rss_mb, 0)}${fmt(a.rss_mb, 0)}`);
  }
  const torchRss = sides['torch-1']?.[0]?.max_rss_mb;
  if (torchRss) console.log(`${'(PyTorch, 1 thread, all workloads)'.padEnd(45)}${' '.repeat(20)}${fmt(torchRss, 0)}`);
  const load1 = loadavg()[0]!;
  console.log(`\nload average ${load0.toFixed(2)} → ${load1.toFixed(2)} (the machine is shared: 2-thread numbers suffer most from other load)`);

  const out = {
    date: new Date().toISOString(), torch: buildInfo().torchVersion, blas: buildInfo().blas, plan, rounds,
    load_average: [load0, load1], table: rows, matmul_gflops_1thread: { ours: gOurs, torch: gTorch },
    best_threads: threadsBest, allocator: { threads: allocThreads, runs: alloc, torch_max_rss_mb: torchRss ?? null },
    raw: sides,
  };
  const path = join(here, 'results', quick ? 'engine-quick.json' : 'engine.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(out, null, 1)}\n`);
  console.log(`wrote ${path}`);
}

if (process.argv[2] === '--worker') worker(Number(process.argv[3]), JSON.parse(process.argv[4]!) as Plan);
else main();

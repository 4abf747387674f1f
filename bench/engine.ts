/**
 * Engine benchmark: time per training step (forward + backward + Adam) of three models in
 * disco-diff and in PyTorch (bench/engine_ref.py, same libtorch), 1 and 2 intra-op threads, with
 * each process's peak RSS next to its time; a 1024³ matmul on one thread, per-op overhead, and the
 * allocator (block cache / mallopt / glibc / jemalloc).
 * Every measurement runs in its own child process; medians over N steps after warm-up, as wall
 * time and as process CPU time (the second is what to trust on a machine shared with other work).
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
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  F, buildInfo, manualSeed, noGrad, numThreads, randn, setNumThreads, tidy, type Tensor,
} from '../src/engine/index.js';
import { Conv2d, LayerNorm, MLP, Module, MultiheadAttention } from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';
import { torchEnv } from './torch-env.js';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

type Workload = 'W1' | 'W2' | 'W3' | 'MM' | 'OV';
/** workload → [warm-up, measured] steps */
type Plan = Partial<Record<Workload, [number, number]>>;
interface SideResult {
  side: string;
  threads: number;
  /** median wall ms, fastest step, median process CPU ms (user + system, all threads) and its system part */
  results: Partial<Record<Workload, { median_ms: number; min_ms: number; cpu_ms: number; sys_ms: number; ms: number[] }>>;
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
    out.results[name] = { median_ms: median(s.wall), min_ms: Math.min(...s.wall), cpu_ms: median(s.cpu), sys_ms: median(s.sys), ms: s.wall };
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
  run(PYTHON, [join(here, 'engine_ref.py'), '--threads', String(threads), '--plan', JSON.stringify(plan)], torchEnv());

type Metric = 'median_ms' | 'min_ms' | 'cpu_ms';

function main(): void {
  const args = benchArgs('node --import tsx bench/engine.ts [flags]   (bash bench/engine.sh installs the PyTorch side first)', {
    quick: { kind: 'boolean', help: 'fewer steps, for a smoke test (writes engine-quick.json)' },
    rounds: { kind: 'number', help: 'rounds of both sides (default 2, 1 with --quick)' },
  });
  const quick = args.quick, rounds = args.rounds ?? (quick ? 1 : 2);
  const plan: Plan = quick
    ? { OV: [2, 5], MM: [2, 5], W1: [3, 10], W3: [1, 3], W2: [1, 2] }
    : { OV: [3, 15], MM: [3, 15], W1: [10, 40], W3: [2, 10], W2: [2, 6] };
  const hasTorch = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!hasTorch) console.warn(`${PYTHON} cannot import torch: PyTorch columns will be empty (bench/engine.sh installs python3-torch)`);
  const info = buildInfo();
  const load0 = loadavg()[0]!;
  console.log(`disco-diff engine benchmark: libtorch ${info.torchVersion}, ${info.blas.split(' ').slice(0, 2).join(' ')}, ` +
    `load average ${load0.toFixed(2)}, ${rounds} round(s)\nplan (warm-up, measured steps): ${JSON.stringify(plan)}`);

  // One process per (side, threads, workload), the two sides back to back for each workload and
  // in swapped order every other round, so that drifting background load hits both alike; each
  // side reports its best (least disturbed) round.
  const sides: Record<string, SideResult[]> = {};
  const push = (key: string, r: SideResult) => { (sides[key] ??= []).push(r); };
  for (let r = 0; r < rounds; r++) {
    for (const t of [1, 2]) {
      for (const [w, steps] of Object.entries(plan) as [Workload, [number, number]][]) {
        const one: Plan = { [w]: steps };
        const pair = [() => push(`ours-${t}`, ours(t, one)), () => hasTorch && push(`torch-${t}`, theirs(t, one))];
        for (const run of r % 2 ? pair.reverse() : pair) run();
      }
    }
  }
  const best = (key: string, w: Workload, m: Metric = 'median_ms'): number | null => {
    const v = (sides[key] ?? []).map((s) => s.results[w]?.[m]).filter((x): x is number => x !== undefined);
    return v.length ? Math.min(...v) : null;
  };
  /** Peak RSS of the processes that ran `w` (one workload per process), the largest over the rounds. */
  const peakRss = (key: string, w: Workload): number | null => {
    const v = (sides[key] ?? []).filter((s) => s.results[w]).map((s) => s.max_rss_mb);
    return v.length ? Math.max(...v) : null;
  };
  const workloads: Workload[] = ['W1', 'W2', 'W3'];
  const bestThreads = (w: Workload) => ((best('ours-2', w) ?? Infinity) < (best('ours-1', w) ?? Infinity) ? 2 : 1);

  // Allocator: W1/W2 at the best thread count for W2, each configuration in its own process.
  const allocThreads = bestThreads('W2');
  const allocPlan: Plan = { W1: plan.W1!, W2: plan.W2! };
  const allocators: Record<string, NodeJS.ProcessEnv> = {
    'block cache + mallopt (default)': {},
    'mallopt only (DISCO_CPU_CACHE_MB=0)': { DISCO_CPU_CACHE_MB: '0' },
    'glibc as is (DISCO_MALLOC=default)': { DISCO_MALLOC: 'default' },
    ...(existsSync(JEMALLOC) ? { 'jemalloc (LD_PRELOAD, DISCO_MALLOC=default)': { DISCO_MALLOC: 'default', LD_PRELOAD: JEMALLOC } } : {}),
  };
  const alloc: Record<string, Record<string, number>> = {};
  for (const [name, env] of Object.entries(allocators)) {
    const r = ours(allocThreads, allocPlan, env);
    alloc[name] = {
      W1_ms: r.results.W1!.median_ms, W1_cpu_ms: r.results.W1!.cpu_ms, W2_ms: r.results.W2!.median_ms,
      W2_cpu_ms: r.results.W2!.cpu_ms, W2_sys_ms: r.results.W2!.sys_ms, max_rss_mb: r.max_rss_mb, rss_mb: r.rss_mb!,
    };
  }

  // ---- report ----
  const num = (v: number | null | undefined, d = 1, w = 9) => (v == null ? '—' : v.toFixed(d)).padStart(w);
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null ? a / b : null);
  const targets: Partial<Record<Workload, number>> = { W1: 1.0, W2: 1.0, W3: 1.0 };
  const RSS_TARGET = 1.25;
  const labels: Record<Workload, string> = {
    W1: 'W1 MLP', W2: 'W2 conv net', W3: 'W3 attention', MM: 'matmul 1024³', OV: 'tiny add (µs/op)',
  };
  console.log('\nms per training step: median wall time; cpu = median process CPU time (insensitive to other load);' +
    '\nbest = ratio of the fastest steps (least disturbed)');
  console.log(`${'workload'.padEnd(18)}${'thr'.padStart(4)}${'ours'.padStart(9)}${'torch'.padStart(9)}${'ratio'.padStart(9)}` +
    `${'ours cpu'.padStart(10)}${'torch cpu'.padStart(10)}${'cpu ratio'.padStart(10)}${'best'.padStart(8)}` +
    `${'ours MB'.padStart(9)}${'torch MB'.padStart(9)}${'RSS ratio'.padStart(10)}  target`);
  const rows: Record<string, unknown>[] = [];
  for (const w of ['W1', 'W2', 'W3', 'OV'] as Workload[]) {
    for (const t of [1, 2]) {
      const a = best(`ours-${t}`, w), b = best(`torch-${t}`, w);
      const ac = best(`ours-${t}`, w, 'cpu_ms'), bc = best(`torch-${t}`, w, 'cpu_ms');
      const am = best(`ours-${t}`, w, 'min_ms'), bm = best(`torch-${t}`, w, 'min_ms');
      const r = ratio(a, b), rc = ratio(ac, bc), rm = ratio(am, bm), target = targets[w] ?? null;
      const ra = peakRss(`ours-${t}`, w), rb = peakRss(`torch-${t}`, w), rr = ratio(ra, rb);
      const flag = (target !== null && r !== null && r > target) || (rr !== null && rr > RSS_TARGET) ? '  missed' : '';
      console.log(`${labels[w].padEnd(18)}${String(t).padStart(4)}${num(a, 2)}${num(b, 2)}${num(r, 3)}` +
        `${num(ac, 2, 10)}${num(bc, 2, 10)}${num(rc, 3, 10)}${num(rm, 3, 8)}${num(ra, 0)}${num(rb, 0)}${num(rr, 3, 10)}` +
        `  ${target !== null ? `≤ ${target}, RSS ≤ ${RSS_TARGET}${flag}` : ''}`);
      rows.push({
        workload: w, threads: t, ours_ms: a, torch_ms: b, ratio: r, ours_cpu_ms: ac, torch_cpu_ms: bc, cpu_ratio: rc,
        ours_best_ms: am, torch_best_ms: bm, best_ratio: rm, target, ours_peak_rss_mb: ra, torch_peak_rss_mb: rb, rss_ratio: rr,
      });
    }
  }
  const gflops = (key: string) => {
    const ms = best(key, 'MM');
    return ms === null ? null : (2 * 1024 ** 3) / (ms * 1e6);
  };
  const mm = { ours: Math.max(gflops('ours-1') ?? 0, gflops('ours-2') ?? 0), torch: Math.max(gflops('torch-1') ?? 0, gflops('torch-2') ?? 0) || null };
  console.log(`${'matmul 1024³, 1 thread'.padEnd(22)}${num(mm.ours)}${num(mm.torch)} GFLOP/s`);
  const threadsBest = Object.fromEntries(workloads.map((w) => [w, bestThreads(w)]));
  console.log(`\nbest thread count (ours, wall time): ${workloads.map((w) => `${w} ${threadsBest[w]}`).join(', ')}`);

  console.log(`\nallocator, ${allocThreads} thread(s)`.padEnd(46) + 'W1 ms'.padStart(9) + 'W2 ms'.padStart(9) +
    'W2 cpu'.padStart(9) + 'W2 sys'.padStart(9) + 'peak MB'.padStart(9) + 'end MB'.padStart(9));
  for (const [name, a] of Object.entries(alloc)) {
    console.log(`${name.padEnd(45)}${num(a.W1_ms, 2)}${num(a.W2_ms)}${num(a.W2_cpu_ms)}${num(a.W2_sys_ms)}${num(a.max_rss_mb, 0)}${num(a.rss_mb, 0)}`);
  }
  const torchW2Run = sides['torch-1']?.find((x) => x.results.W2);
  const torchRss = torchW2Run?.max_rss_mb ?? null;
  const torchW2 = torchW2Run?.results.W2;
  if (torchW2) console.log(`${'(PyTorch, 1 thread, W2 alone)'.padEnd(45)}${' '.repeat(9)}${num(torchW2.median_ms)}${num(torchW2.cpu_ms)}${num(torchW2.sys_ms)}${num(torchRss, 0)}`);
  const load1 = loadavg()[0]!;
  console.log(`\nload average ${load0.toFixed(2)} → ${load1.toFixed(2)} on ${cpus().length} CPUs (shared machines: trust the cpu columns)`);

  const out = {
    machine: machineRecord({ threads: [1, 2] }), plan, rounds,
    load_average: [load0, load1], table: rows, matmul_gflops_1thread: mm, best_threads: threadsBest,
    allocator: { threads: allocThreads, runs: alloc, torch_max_rss_mb: torchRss }, raw: sides,
  };
  const path = join(here, 'results', quick ? 'engine-quick.json' : 'engine.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(out, null, 1)}\n`);
  console.log(`wrote ${path}`);
}

if (process.argv[2] === '--worker') worker(Number(process.argv[3]), JSON.parse(process.argv[4]!) as Plan);
else main();

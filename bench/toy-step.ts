/**
 * Step cost of DisCo-Diff against the DM on 2-D data (issue #23: ≤ 1.3×): each arm is a real
 * `disco-diff train` run of the demo's configs (data, codebook init and hooks, EMA, metrics: what a
 * user's run does), one thread, `--steps` steps; the arms alternate over rounds so drifting load
 * hits all of them. Reports each arm's steps/s (median over rounds) and its cost against the first
 * arm's. Run it on a quiet machine.
 *   node --import tsx bench/toy-step.ts [--arms toy-edm,toy-disco,toy-disco+model.codeModes=2] [--rounds 3]
 *     [--steps 1500] [--tag NAME]   → bench/results/toy-step[-TAG].json
 * An arm is a config in configs/ followed by `+key=value` overrides.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const a = benchArgs('node --import tsx bench/toy-step.ts [flags]', {
  arms: { kind: 'list', default: 'toy-edm,toy-disco,toy-disco+model.codeModes=2', help: 'config[+key=value…] per arm; the first is the reference' },
  rounds: { kind: 'number', default: '3', help: 'rounds of all arms, alternating' },
  steps: { kind: 'number', default: '1500', help: 'training steps per run' },
  tag: { kind: 'string', default: '', help: 'writes bench/results/toy-step-TAG.json' },
});
const root = join(import.meta.dirname, '..');

/** steps/s of one training run of `arm`. */
function rate(arm: string): number {
  const [config, ...sets] = arm.split('+');
  const out = mkdtempSync(join(tmpdir(), 'toy-step-'));
  try {
    const p = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bin/disco-diff.js'), 'train', '--config', join(root, 'configs', `${config}.yaml`),
      '--set', `train.steps=${a.steps}`, '--set', `train.logEvery=${a.steps}`, ...sets.flatMap((s) => ['--set', s]), '--out', join(out, 'run'), '--quiet'],
    { encoding: 'utf8', env: { ...process.env, DISCO_THREADS: '1' } });
    if (p.status !== 0) throw new Error(`training ${arm} failed (${p.signal ?? p.status}):\n${p.stderr}`);
    const rows = readFileSync(join(out, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n');
    return (JSON.parse(rows.at(-1)!) as { stepsPerSec: number }).stepsPerSec;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const median = (v: number[]): number => {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const load0 = loadavg()[0]!;
const rates = new Map<string, number[]>(a.arms.map((arm) => [arm, []]));
for (let r = 0; r < a.rounds; r++) {
  for (const arm of a.arms) rates.get(arm)!.push(rate(arm));
  console.log(`round ${r + 1}: ${a.arms.map((arm) => `${arm} ${rates.get(arm)!.at(-1)!.toFixed(1)}`).join(' | ')} steps/s`);
}
const ref = median(rates.get(a.arms[0]!)!);
const rows = a.arms.map((arm) => {
  const m = median(rates.get(arm)!);
  return { arm, stepsPerSec: rates.get(arm)!, median: m, cost: ref / m };
});
console.log(`\n${a.steps} training steps, 1 thread, median of ${a.rounds} rounds; load average ${load0.toFixed(2)} at start`);
console.log(`${'arm'.padEnd(34)}${'steps/s'.padStart(10)}${'cost'.padStart(8)}`);
for (const r of rows) console.log(`${r.arm.padEnd(34)}${r.median.toFixed(1).padStart(10)}${r.cost.toFixed(3).padStart(8)}`);
const file = join(import.meta.dirname, 'results', `toy-step${a.tag ? `-${a.tag}` : ''}.json`);
writeFileSync(file, JSON.stringify({
  machine: machineRecord({ threads: 1, note: 'arms one after the other, alternating, each a train run in its own process' }),
  rounds: a.rounds, steps: a.steps, loadAverage: load0, rows, target: 1.3,
}, null, 2));
console.log(`wrote ${file}`);

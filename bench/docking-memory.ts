/**
 * Peak memory of one `disco-diff dock` (1HPV with amprenavir, the shipped models, the config's 40
 * poses, one thread): the DM, DisCo-DiffDock with a fixed z and DisCo-DiffDock with z drawn from its
 * prior, each in its own process (peak RSS from getrusage, bench/peak-rss.ts). With `--vs DIR` the
 * same commands run from another checkout (e.g. a worktree of an older commit, its node_modules and
 * build linked), paired, and the poses of the two are compared byte for byte. Wall seconds are shown
 * too; they are timings only on a quiet machine.
 *
 *   node --import tsx bench/docking-memory.ts [--vs /tmp/old] [--tag T]
 * Writes bench/results/docking-memory[-TAG].json.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs } from './args.js';
import { machineRecord } from './record.js';

const a = benchArgs('node --import tsx bench/docking-memory.ts [flags]', {
  vs: { kind: 'string', help: 'another checkout to run the same commands from, paired' },
  tag: { kind: 'string', default: '', help: 'suffix of the result file' },
});

const root = join(import.meta.dirname, '..');
const example = join(root, 'data', 'docking', 'examples');
const inputs = ['--receptor', join(example, '1hpv-protein.pdb'), '--ligand', join(example, 'amprenavir.sdf'), '--quiet'];
const ARMS = [
  { name: 'DM', args: ['--run', join(root, 'models', 'dock')] },
  { name: 'DisCo-DiffDock, fixed z 3,60', args: ['--run', join(root, 'models', 'dock-disco'), '--latents', '3,60'] },
  { name: 'DisCo-DiffDock, z from the prior', args: ['--run', join(root, 'models', 'dock-disco')] },
];

const tmp = mkdtempSync(join(tmpdir(), 'dd-dock-mem-'));

/** One dock from checkout `tree`: peak RSS (MiB), wall seconds and the poses' SDF. */
function dock(tree: string, args: string[], name: string): { peakMiB: number; seconds: number; sdf: string } {
  const out = join(tmp, `${name}.sdf`), rss = join(tmp, `${name}.rss`);
  const t0 = performance.now();
  const p = spawnSync(process.execPath, ['--import', 'tsx', '--import', join(import.meta.dirname, 'peak-rss.ts'),
    join(tree, 'bin', 'disco-diff.js'), 'dock', ...args, ...inputs, '--out', out],
  { cwd: tree, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DISCO_THREADS: '1', PEAK_RSS_FILE: rss } });
  if (p.status !== 0) throw new Error(`dock from ${tree} (${name}) exited with ${p.status}`);
  return { peakMiB: Number(readFileSync(rss, 'utf8')) / 1024, seconds: (performance.now() - t0) / 1000, sdf: readFileSync(out, 'utf8') };
}

const rows = ARMS.map((arm, i) => {
  const here = dock(root, arm.args, `a${i}`);
  const there = a.vs ? dock(a.vs, arm.args, `b${i}`) : null;
  return {
    arm: arm.name, peakMiB: here.peakMiB, seconds: here.seconds,
    ...(there && { vs: { peakMiB: there.peakMiB, seconds: there.seconds, samePoses: there.sdf === here.sdf } }),
  };
});
rmSync(tmp, { recursive: true, force: true });

console.log(`arm                               peak RSS (MiB)${a.vs ? '  --vs (MiB)   same poses' : ''}   wall (s)`);
for (const r of rows) {
  console.log(`${r.arm.padEnd(34)} ${r.peakMiB.toFixed(0).padStart(13)}${r.vs ? `${r.vs.peakMiB.toFixed(0).padStart(12)}   ${String(r.vs.samePoses).padEnd(10)}` : ''}` +
    `   ${r.seconds.toFixed(1)}${r.vs ? ` / ${r.vs.seconds.toFixed(1)}` : ''}`);
}
const vsCommit = a.vs ? spawnSync('git', ['-C', a.vs, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim() : null;
writeFileSync(join(import.meta.dirname, 'results', `docking-memory${a.tag ? `-${a.tag}` : ''}.json`), JSON.stringify({
  bench: 'docking-memory', machine: machineRecord({ threads: 1, note: 'each dock in its own process, one after the other' }),
  vsCommit, complex: '1HPV / amprenavir, 40 poses', rows,
}, null, 2));

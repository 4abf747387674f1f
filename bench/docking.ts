/**
 * Docking bench (#20, #22): trains the config's model — the DM (configs/dock.yaml) or DisCo-DiffDock
 * (configs/dock-disco.yaml, then its prior) — on the training split of the pose data set, once per
 * seed, and measures it on the test split beside two random-pose baselines: precision, recall, top-1
 * < 2 Å, best of n and how far the sampled modes' frequencies are from the modes' weights
 * (src/eval/docking.ts), with the redocking table on the crystal ligands beside Vina's own top-1 (from
 * the data set) and the time per complex beside Vina's. A DisCo-DiffDock run is measured three ways:
 * latents from its prior, oracle latents (the encoder on a reference mode) and uniform latents.
 *
 *   node --import tsx bench/docking.ts [--config configs/dock.yaml] [--seeds 0,1] [--minutes 20] [--test 0]
 *     [--refine N] [--ranker vina|density|none] [--arms A,B] [--logit-scale S] [--out runs/bench-docking] [--tag T]
 *
 * Runs go to OUT/seed-S (an existing run is resumed up to --minutes more, or reused with
 * --eval-only). Writes bench/results/docking[-TAG].json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setNumThreads } from '../src/engine/index.js';
import { rankPoses, samplePoses } from '../src/docking/dock.js';
import { join } from 'node:path';
import { loadDockingConfig, parseDockingConfig } from '../src/config/load.js';
import type { DockingConfig } from '../src/config/docking.js';
import { loadComplexes } from '../src/docking/complexes.js';
import { evaluateDocking, summarizeDocking, type ComplexMetrics, type LatentSource, type PoseSource } from '../src/eval/docking.js';
import { symmetricRmsd } from '../src/chem/rmsd.js';
import { trainDocking } from '../src/train/docking.js';
import { loadDockingPrior, loadDockingRun } from '../src/train/load-docking-run.js';
import { trainDockingPrior } from '../src/train/docking-prior.js';
import { RunDir } from '../src/train/run-dir.js';
import { parseFlags } from './args.js';
import { machineRecord } from './record.js';

const flags = parseFlags({
  config: { kind: 'string', default: 'configs/dock.yaml', help: 'docking config' },
  seeds: { kind: 'numbers', default: '0,1', help: 'training seeds' },
  minutes: { kind: 'number', default: '20', help: 'training minutes per seed (a run continues up to train.steps)' },
  test: { kind: 'number', default: '0', help: 'evaluate only the first N test complexes (0 = all)' },
  'eval-only': { kind: 'boolean', help: 'evaluate existing runs without training' },
  out: { kind: 'string', default: 'runs/bench-docking', help: 'where the runs live' },
  tag: { kind: 'string', default: '', help: 'suffix of the result file' },
  ranker: { kind: 'string', help: 'override sample.ranker for every arm: vina | density | none' },
  'logit-scale': { kind: 'number', help: 'override latents.prior.logitScale (the scale of the prior\'s logits when sampling) for the disco-prior arm' },
  refine: { kind: 'number', help: 'override sample.refine (BFGS iterations of local refinement on Vina\'s energy) for every arm' },
  time: { kind: 'boolean', help: 'also time Vina (--cpu 2) and the first seed\'s dock (2 threads) on the crystal complexes, one after the other: run on a quiet machine' },
  'time-only': { kind: 'boolean', help: 'only the timing of --time (no evaluation); writes docking-time[-TAG].json' },
  arms: { kind: 'string', default: 'all', help: 'arms to evaluate, comma-separated: random-blind, random-pocket, dm, disco-prior, disco-oracle, disco-uniform (default all)' },
}, process.argv.slice(2));

const loaded = loadDockingConfig(flags.config);
const cfg = parseDockingConfig({ ...loaded, sample: { ...loaded.sample, ...(flags.ranker && { ranker: flags.ranker }),
  ...(flags.refine !== undefined && { refine: flags.refine }) } }, '--ranker/--refine');
/** A trained run's config with this bench's ranking and refinement. */
const ranking = (c: DockingConfig): DockingConfig => ({ ...c, sample: { ...c.sample, ranker: cfg.sample.ranker, refine: cfg.sample.refine } });
const { train, test: allTest } = loadComplexes(cfg);
const test = flags.test ? allTest.slice(0, flags.test) : allTest;
console.log(`pose set: ${train.length} training ligands, ${allTest.length} test ligands (${test.length} evaluated)`);

const ARMS = ['random-blind', 'random-pocket', 'dm', 'disco-prior', 'disco-oracle', 'disco-uniform'];
const wanted = flags.arms === 'all' ? ARMS : flags.arms.split(',');
for (const a of wanted) if (!ARMS.includes(a)) throw new Error(`--arms: unknown arm '${a}' (one of ${ARMS.join(', ')})`);
const rows: Record<string, unknown>[] = [];
const perComplex: Record<string, ComplexMetrics[]> = {};
const show = (label: string, s: Record<string, number>) => console.log(
  `${label.padEnd(16)} precision ${s.precision!.toFixed(3)}  recall ${s.recall!.toFixed(3)}  top-1<2Å ${s.top1Below!.toFixed(3)}  ` +
  `best-of-n ${s.oracleBelow!.toFixed(3)}  mode TV ${s.modeDistance!.toFixed(3)}  crystal top-1 ${s.crystalTop1Below?.toFixed(2) ?? '—'}  ${s.secondsPerComplex!.toFixed(1)} s/complex`);

for (const kind of flags['time-only'] ? [] : (['blind', 'pocket'] as const).filter((k) => wanted.includes(`random-${k}`))) {
  const ms = evaluateDocking(cfg, test, { kind }, { seed: 0 });
  perComplex[`random-${kind}`] = ms;
  const s = summarizeDocking(ms);
  rows.push({ arm: `random-${kind}`, ...s });
  show(`random-${kind}`, s);
}

for (const seed of flags['time-only'] ? [] : flags.seeds) {
  const dir = join(flags.out, `seed-${seed}`);
  const run = new RunDir(dir);
  if (!flags['eval-only']) {
    const seeded = { ...cfg, train: { ...cfg.train, seed } };
    await trainDocking(seeded, dir, { resume: existsSync(run.checkpoint), maxMinutes: flags.minutes, quiet: false });
  }
  if (cfg.latents.enabled && !existsSync(run.prior)) await trainDockingPrior(dir, { quiet: false });
  const L = loadDockingRun(dir);
  // A DM has one arm; DisCo-DiffDock three: latents from its prior, oracle latents (the encoder on a
  // reference mode per pose) and uniformly random latents.
  const arms: [string, LatentSource | undefined][] = L.encoder ? [
    ['disco-prior', { kind: 'prior', prior: loadDockingPrior(L), logitScale: flags['logit-scale'] ?? L.cfg.latents.prior.logitScale }],
    ['disco-oracle', { kind: 'oracle', encoder: L.encoder }],
    ['disco-uniform', { kind: 'uniform', m: L.cfg.latents.m }],
  ] : [['dm', undefined]];
  for (const [arm, latents] of arms.filter(([a]) => wanted.includes(a))) {
    const source: PoseSource = { kind: 'model', net: L.net, latents };
    const ms = evaluateDocking(ranking(L.cfg), test, source, { seed: 1000 + seed,
      onComplex: (_m, i) => process.stderr.write(`\r${arm} seed ${seed}: ${i + 1}/${test.length} complexes`) });
    process.stderr.write('\n');
    perComplex[`${arm}-seed-${seed}`] = ms;
    const s = summarizeDocking(ms);
    rows.push({ arm, seed, step: L.step, ...(latents?.kind === 'prior' && { logitScale: latents.logitScale }), ...s });
    show(`${arm} seed ${seed}`, s);
  }
  L.net.dispose();
  L.encoder?.dispose();
}

// Vina's own top-1 on the crystal ligands (its best mode vs the crystal pose), and its time per ligand, from the data set.
const vina = test.filter((c) => c.record.crystal).map((c) => ({
  id: `${c.record.receptor}/${c.record.id}`,
  vinaTop1Rmsd: symmetricRmsd(c.record.mol, c.record.modes[0]!.coords, c.record.crystal!),
  dm: Object.fromEntries(Object.entries(perComplex).map(([arm, ms]) => [arm, ms.find((m) => m.id === c.record.id && m.receptor === c.record.receptor)?.top1CrystalRmsd ?? null])),
}));
const vinaSeconds = test.map((c) => wallSeconds(c.record.receptor, c.record.id)).filter((s): s is number => s !== null);
console.log('\nredocking (top-1 RMSD to the crystal pose, Å):');
for (const v of vina) console.log(`  ${v.id.padEnd(22)} vina ${v.vinaTop1Rmsd.toFixed(2)}  ${Object.entries(v.dm).map(([a, r]) => `${a} ${r?.toFixed(2)}`).join('  ')}`);
const vinaMean = vinaSeconds.reduce((a, b) => a + b, 0) / Math.max(vinaSeconds.length, 1);
console.log(`Vina: ${vinaMean.toFixed(1)} s per ligand (data set record: --cpu 1, 2 jobs at a time on this machine's 2 cores)`);

// Time per complex on this machine, Vina and the DM one after the other, on the crystal complexes.
const timing = flags.time || flags['time-only'] ? timeAgainstVina() : null;

const file = join(import.meta.dirname, 'results', `docking${flags['time-only'] ? '-time' : ''}${flags.tag ? `-${flags.tag}` : ''}.json`);
writeFileSync(file, JSON.stringify({ bench: 'docking', config: cfg, flags, machine: machineRecord(),
  split: { train: train.length, test: allTest.length, evaluated: test.length }, rows, redocking: vina, timing,
  vina: { secondsPerLigand: vinaMean, note: 'wall time of Vina 1.2.3, exhaustiveness 8, --cpu 1, two jobs sharing 2 cores (data/docking/RECORD.md)' },
  perComplex }, null, 1));
console.log(`wrote ${file}`);

function wallSeconds(receptor: string, id: string): number | null {
  const p = join(cfg.data.dir, receptor, `${id}.json`);
  if (!existsSync(p)) return null;
  const r = JSON.parse(readFileSync(p, 'utf8')) as { wallSeconds?: number };
  return typeof r.wallSeconds === 'number' ? r.wallSeconds : null;
}

/** Wall seconds of Vina (the data set's settings, --cpu 2) and of the DM's 40 poses + ranking (2 threads) per crystal complex. */
function timeAgainstVina(): { id: string; vinaSeconds: number; dmSeconds: number }[] {
  const record = JSON.parse(readFileSync(join(cfg.data.dir, 'record.json'), 'utf8')) as
    { settings: { numModes: number; energyRange: number; exhaustiveness: number }; targets: { name: string; center: number[]; size: number }[] };
  const L = loadDockingRun(join(flags.out, `seed-${flags.seeds[0]}`));
  setNumThreads(2);
  const out = test.filter((c) => c.record.crystal).flatMap((c) => {
    const work = join(cfg.data.dir, 'work', c.record.receptor, c.record.id, 'lig.pdbqt');
    const box = record.targets.find((t) => t.name === c.record.receptor);
    if (!existsSync(work) || !box) return [];
    const seed = (JSON.parse(readFileSync(join(cfg.data.dir, c.record.receptor, `${c.record.id}.json`), 'utf8')) as { seed: number }).seed;
    const tmp = mkdtempSync(join(tmpdir(), 'vina-'));
    let t0 = performance.now();
    execFileSync('vina', ['--receptor', join(cfg.data.dir, 'receptors', `${c.record.receptor}.pdbqt`), '--ligand', work,
      ...['x', 'y', 'z'].flatMap((a, k) => [`--center_${a}`, String(box.center[k])]), ...['x', 'y', 'z'].flatMap((a) => [`--size_${a}`, String(box.size)]),
      '--num_modes', String(record.settings.numModes), '--energy_range', String(record.settings.energyRange),
      '--exhaustiveness', String(record.settings.exhaustiveness), '--seed', String(seed), '--cpu', '2', '--out', join(tmp, 'out.pdbqt')],
    { stdio: 'ignore' });
    const vinaSeconds = (performance.now() - t0) / 1000;
    rmSync(tmp, { recursive: true, force: true });
    t0 = performance.now();
    rankPoses(ranking(L.cfg), c.lig, c.receptor, samplePoses(L.net, L.cfg, c.lig, c.rec, { seed: 0 }));
    const dmSeconds = (performance.now() - t0) / 1000;
    console.log(`  ${c.record.receptor}/${c.record.id}: Vina ${vinaSeconds.toFixed(1)} s, DM ${dmSeconds.toFixed(1)} s (${L.cfg.sample.n} poses)`);
    return [{ id: `${c.record.receptor}/${c.record.id}`, vinaSeconds, dmSeconds }];
  });
  L.net.dispose();
  return out;
}

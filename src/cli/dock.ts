/**
 * `dock`: poses of a ligand (or, with --all, of every ligand of a file) in a receptor from a trained
 * docking run, ranked, written as one SDF. With --all a ligand that fails is reported and skipped.
 */
import { writeFileSync } from 'node:fs';
import { readLigand, readLigands } from '../chem/read-ligand.js';
import { readReceptorFile } from '../chem/receptor.js';
import { writeSdf } from '../chem/sdf.js';
import type { Molecule, Vec3 } from '../chem/molecule.js';
import { dock } from '../docking/dock.js';
import { loadDockingPrior, loadDockingRun } from '../train/load-docking-run.js';
import { checkOutputs } from './outputs.js';

/** The options of `disco-diff dock`. */
export interface DockCliOptions {
  run: string;
  receptor: string;
  ligand: string;
  out: string;
  n?: number;
  steps?: number;
  sampler?: 'sde' | 'ode';
  ranker?: 'vina' | 'density' | 'none';
  refine?: number;
  /** A DisCo-Diff run's pointer latents, the same for every pose (node indices). */
  latents?: number[];
  /** A DisCo-Diff run: the prior's logit scale when drawing latents (default: the run's latents.prior.logitScale). */
  logitScale?: number;
  center?: Vec3;
  box?: number;
  seed: number;
  /** Dock every molecule of the ligand file, not only the first. */
  all?: boolean;
  quiet?: boolean;
}

export async function dockCommand(o: DockCliOptions): Promise<void> {
  checkOutputs([{ what: '--out', path: o.out }], [o.run]);
  const t0 = performance.now();
  const receptor = readReceptorFile(o.receptor);
  const ligands = o.all ? readLigands(o.ligand, o.seed) : [readLigand(o.ligand, o.seed)];
  const L = loadDockingRun(o.run);
  const cfg = { ...L.cfg, sample: { ...L.cfg.sample, ...defined({ n: o.n, steps: o.steps, sampler: o.sampler, ranker: o.ranker,
    refine: o.refine }) } };
  if (o.latents && !L.encoder) throw new Error(`--latents: ${o.run} is a docking DM run without latents`);
  if (o.latents && o.latents.length !== L.cfg.latents.m) throw new Error(`--latents: the run has ${L.cfg.latents.m} latents, got ${o.latents.length}`);
  if (o.logitScale !== undefined && !L.encoder) throw new Error(`--logit-scale: ${o.run} is a docking DM run without latents`);
  if (o.logitScale !== undefined && o.latents) throw new Error('--logit-scale scales the prior, which --latents replaces: give one of them');
  const prior = L.encoder && !o.latents ? { model: loadDockingPrior(L), logitScale: o.logitScale ?? L.cfg.latents.prior.logitScale } : undefined;
  const latents = o.latents ? Array.from({ length: cfg.sample.n }, () => o.latents!) : undefined;
  const out: Molecule[] = [];
  const failed: string[] = [];
  ligands.forEach((ligand, i) => {
    const name = ligands.length > 1 ? `ligand ${i + 1} of ${ligands.length} (${ligand.title || 'untitled'})` : 'ligand';
    try {
      const poses = dock(L.net, cfg, ligand, receptor, {
        seed: o.seed, center: o.center, box: o.box, latents, prior,
        onStep: (s, total) => { if (!o.quiet) process.stderr.write(`\rdock ${name}: step ${s}/${total}${s === total ? '\n' : ''}`); },
      });
      const { vina_score: _inputScore, ...props } = ligand.props;   // a score the input carried (a docked SDF) is not its new poses'
      for (const p of poses) {
        out.push({ ...ligand, coords: p.coords, title: ligand.title || 'ligand', props: { ...props,
          ...(ligands.length > 1 && { ligand: String(i + 1) }), rank: String(p.rank), ...(p.score !== null && { vina_score: p.score.toFixed(3) }),
          ...(p.latents && { latents: p.latents.join(',') }) } });
      }
    } catch (e) {
      if (ligands.length === 1) throw e;
      failed.push(name);
      process.stderr.write(`disco-diff: skipped ${name}: ${(e as Error).message.split('\n')[0]}\n`);
    }
  });
  if (out.length === 0) throw new Error(`no ligand of ${o.ligand} could be docked`);
  writeFileSync(o.out, writeSdf(out));
  const best = out[0]!.props.vina_score;
  console.log(`wrote ${out.length} poses of ${ligands.length - failed.length} ligand(s) to ${o.out} (ranked by ${cfg.sample.ranker}` +
    `${ligands.length === 1 && best !== undefined ? `; best ${Number(best).toFixed(2)} kcal/mol` : ''}` +
    `${failed.length ? `; ${failed.length} skipped` : ''}; ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * What the page and the validator know about a served docking run: its latents and prior, the
 * complexes of its data set's test split the page can pick, the sampling defaults and the limits.
 */
import type { Complex } from '../docking/complexes.js';
import type { DockingRun } from '../train/load-docking-run.js';
import { PALETTE } from '../plot/colors.js';
import { LIMITS } from './limits.js';

/** Caps on one docking request. */
export const DOCKING_LIMITS = {
  /** Poses per request (DiffDock samples 40). */
  poses: 40,
  steps: LIMITS.steps,
  seed: LIMITS.seed,
} as const;

/** One complex the page can pick: a ligand of the test split in its receptor. */
export interface ComplexFacts {
  id: string;
  receptor: string;
  name: string;
  /** Reference poses (Vina modes), best affinity first. */
  modes: number;
  crystal: boolean;
  /** Pointer classes: ligand heavy atoms 0…atoms−1, then residues atoms…atoms+residues−1 (src/docking/pointers.ts). */
  atoms: number;
  residues: number;
}

export interface DockingFacts {
  kind: 'docking';
  /** The config's name and the run directory as given on the command line. */
  name: string;
  run: string;
  step: number;
  /** m pointer latents (DisCo-DiffDock), or null for a docking DM. */
  latents: { m: number } | null;
  /** Whether a trained prior over the latents exists. */
  prior: boolean;
  complexes: ComplexFacts[];
  /** The run's sampling settings: the page's defaults (n, steps) and how poses are refined and ranked. */
  sample: { n: number; steps: number; sampler: string; ranker: string; refine: number };
  /** Colours of the distinct latents of a result, in order. */
  palette: readonly string[];
  limits: typeof DOCKING_LIMITS;
}

/** The facts of a loaded docking run over `complexes` (its test split). */
export function dockingFacts(L: DockingRun, dir: string, hasPrior: boolean, complexes: readonly Complex[]): DockingFacts {
  const s = L.cfg.sample;
  return {
    kind: 'docking', name: L.cfg.name, run: dir, step: L.step,
    latents: L.encoder ? { m: L.cfg.latents.m } : null, prior: hasPrior,
    complexes: complexes.map(({ record: r, lig, rec }) => ({ id: r.id, receptor: r.receptor, name: r.name, modes: r.modes.length,
      crystal: r.crystal !== undefined, atoms: lig.heavy.length, residues: rec.type.length })),
    sample: { n: Math.min(s.n, DOCKING_LIMITS.poses), steps: Math.min(s.steps, DOCKING_LIMITS.steps), sampler: s.sampler,
      ranker: s.ranker, refine: s.refine },
    palette: PALETTE, limits: DOCKING_LIMITS,
  };
}

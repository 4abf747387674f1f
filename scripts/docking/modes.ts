/** Picking a ligand's distinct low-energy Vina modes and weighting them. */
import type { Vec3 } from "./molfile.js";
import { rmsdInPlace } from "../../src/chem/rmsd.js";

/** Gas constant in kcal/(mol K). */
const R_KCAL = 1.987204e-3;

/**
 * Heavy-atom RMSD between two poses of one ligand, atoms in the same order, no superposition and no
 * symmetry correction (the data set's modes were picked with it; src/chem/rmsd.ts computes it).
 */
export function rmsd(a: Vec3[], b: Vec3[]): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`rmsd: ${a.length} vs ${b.length} atoms`);
  return rmsdInPlace(Float64Array.from(a.flat()), Float64Array.from(b.flat()));
}

/**
 * Indices of the modes kept, best first: a mode (sorted by affinity, best first) is kept when its
 * affinity is within `window` kcal/mol of the best and its RMSD to every kept better mode is at
 * least `minRmsd` Å.
 */
export function distinctModes(affinities: number[], poses: Vec3[][], window: number, minRmsd: number): number[] {
  const best = Math.min(...affinities);
  const order = affinities.map((_, i) => i).sort((i, j) => affinities[i]! - affinities[j]!);
  const kept: number[] = [];
  for (const i of order) {
    if (affinities[i]! > best + window) break;
    if (kept.every((k) => rmsd(poses[i]!, poses[k]!) >= minRmsd)) kept.push(i);
  }
  return kept;
}

/** Boltzmann weights exp(-E/RT) / Z over the given affinities (kcal/mol) at temperature T (K). */
export function boltzmannWeights(affinities: number[], temperature: number): number[] {
  const rt = R_KCAL * temperature;
  const best = Math.min(...affinities);
  const w = affinities.map((e) => Math.exp(-(e - best) / rt));
  const z = w.reduce((s, x) => s + x, 0);
  return w.map((x) => x / z);
}

/**
 * The docking pose data set (data/docking/RECEPTOR/ID.json, one file per ligand with its distinct
 * AutoDock Vina modes (Trott & Olson 2010), Boltzmann weights and, for crystal ligands, the
 * crystal pose): loading, a scaffold split that holds whole scaffolds out, and a small CI subset.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Bond, Molecule } from '../chem/molecule.js';
import { scaffoldKey } from '../chem/scaffold.js';
import { readFileNamed } from '../io/read.js';
import { isRecord } from '../io/json.js';

/** One Vina mode of a ligand: heavy-atom coordinates (3 per atom, Å), Boltzmann weight and affinity (kcal/mol). */
export interface PoseMode {
  coords: Float64Array;
  weight: number;
  affinity: number;
}

/** One docked ligand. */
export interface PoseRecord {
  id: string;
  receptor: string;
  source: 'pool' | 'crystal';
  name: string;
  smiles: string;
  /** The heavy atoms and bonds, with the best mode's coordinates. */
  mol: Molecule;
  /** The distinct modes, best affinity first. */
  modes: PoseMode[];
  /** The crystal pose (crystal ligands only), atoms in the order of `mol`. */
  crystal?: Float64Array;
}

const ELEMENT = /^[A-Z][a-z]?$/;

/** `v` as an array of `n` points [x, y, z] flattened, or the reason it is not one. */
function points(v: unknown, n: number): Float64Array | string {
  if (!Array.isArray(v) || v.length !== n) return `${Array.isArray(v) ? v.length : 'no'} points for ${n} atoms`;
  const out = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p: unknown = v[i];
    if (!Array.isArray(p) || p.length !== 3 || !p.every(Number.isFinite)) return `point ${i} is not 3 finite numbers`;
    out.set(p as number[], 3 * i);
  }
  return out;
}

/** The record of one ligand file's parsed JSON, or the reason (without the file name) it is malformed. */
function parseRecord(j: unknown): PoseRecord | string {
  if (!isRecord(j)) return 'not a JSON object';
  const { id, receptor, source, name, smiles, elements, charges, bonds, modes, crystal } = j;
  for (const [k, v] of Object.entries({ id, receptor, name, smiles })) if (typeof v !== 'string') return `"${k}" is not a string`;
  if (source !== 'pool' && source !== 'crystal') return `"source" is ${JSON.stringify(source)}, not "pool" or "crystal"`;
  if (!Array.isArray(elements) || elements.length === 0 || !elements.every((e) => typeof e === 'string' && ELEMENT.test(e))) return '"elements" is not a non-empty list of element symbols';
  const n = elements.length;
  if (!Array.isArray(charges) || charges.length !== n || !charges.every(Number.isSafeInteger)) return `"charges" is not ${n} integers`;
  if (!Array.isArray(bonds)) return '"bonds" is not a list';
  const molBonds: Bond[] = [];
  for (const [k, b] of bonds.entries()) {
    const ok = Array.isArray(b) && b.length === 3 && b.slice(0, 2).every((i) => Number.isSafeInteger(i) && i >= 0 && i < n) && b[0] !== b[1] && [1, 2, 3, 4].includes(b[2]);
    if (!ok) return `bond ${k} ${JSON.stringify(b)} is not [a, b, order] with atoms in 0..${n - 1} and order 1-4`;
    molBonds.push({ a: b[0], b: b[1], order: b[2] });
  }
  if (!Array.isArray(modes) || modes.length === 0) return '"modes" is not a non-empty list';
  const poseModes: PoseMode[] = [];
  for (const [k, m] of modes.entries()) {
    if (!isRecord(m) || !Number.isFinite(m.weight) || !Number.isFinite(m.affinity)) return `mode ${k} has no finite weight and affinity`;
    const coords = points(m.coords, n);
    if (typeof coords === 'string') return `mode ${k}: ${coords}`;
    poseModes.push({ coords, weight: m.weight as number, affinity: m.affinity as number });
  }
  let crystalCoords: Float64Array | undefined;
  if (source === 'crystal') {
    const c = isRecord(crystal) ? points(crystal.coords, n) : 'no "crystal" object';
    if (typeof c === 'string') return `crystal ligand's "crystal.coords": ${c}`;
    crystalCoords = c;
  }
  const mol: Molecule = {
    title: name as string,
    atoms: elements.map((element: string, i) => ({ element, charge: charges[i] as number })),
    bonds: molBonds,
    coords: poseModes[0]!.coords.slice(),
    props: {},
  };
  return {
    id: id as string, receptor: receptor as string, source, name: name as string, smiles: smiles as string,
    mol, modes: poseModes, ...(crystalCoords ? { crystal: crystalCoords } : {}),
  };
}

/** Reads one ligand file; a malformed one throws a one-line error naming it. */
function readRecord(file: string, receptor: string): PoseRecord {
  let j: unknown;
  try {
    j = JSON.parse(readFileNamed(file, 'ligand file').toString('utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  const r = parseRecord(j);
  if (typeof r === 'string') throw new Error(`${file}: ${r}`);
  if (r.receptor !== receptor) throw new Error(`${file}: receptor "${r.receptor}" but the file is in folder ${receptor}`);
  return r;
}

/** The receptor folders of `dir`: its subfolders that hold ligand files (*.json). */
function receptorFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && readdirSync(join(dir, e.name)).some((f) => f.endsWith('.json')))
    .map((e) => e.name);
}

/**
 * The docked ligands under `dir` (one folder per receptor, one `ID.json` per ligand; refused
 * ligands under `RECEPTOR/failed/` and files still being written, `*.json.tmp`, are skipped),
 * sorted by receptor, then id. `receptors` picks some receptors; a missing one is an error.
 */
export function loadPoseSet(dir: string, opts: { receptors?: string[] } = {}): PoseRecord[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`pose data set folder not found: ${dir}`);
  const receptors = opts.receptors ?? receptorFolders(dir);
  const out: PoseRecord[] = [];
  for (const receptor of [...receptors].sort()) {
    const folder = join(dir, receptor);
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`receptor ${receptor} has no folder ${folder}`);
    const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
    for (const f of files) out.push(readRecord(join(folder, f), receptor));
  }
  return out.sort((x, y) => compareText(x.receptor, y.receptor) || compareText(x.id, y.id));
}

/** Orders strings by code unit (locale-independent). */
function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A number in [0, 1) from the hash of a scaffold key and a seed: the same for that pair forever. */
function scaffoldDraw(key: string, seed: number): number {
  return parseInt(createHash('sha256').update(`${seed}\n${key}`).digest('hex').slice(0, 12), 16) / 2 ** 48;
}

/**
 * A split that holds whole Murcko scaffolds out: a scaffold goes to test when the hash of
 * (scaffold key, seed) falls below `testFraction`, or when any of its ligands is a crystal ligand
 * (crystal ligands are always test). A ligand's side depends only on its scaffold and the seed,
 * so it stays put as the data set grows. Both sides keep the input order.
 */
export function splitByScaffold(records: PoseRecord[], opts: { testFraction: number; seed: number }): { train: PoseRecord[]; test: PoseRecord[] } {
  const { testFraction, seed } = opts;
  if (!(testFraction >= 0 && testFraction <= 1)) throw new Error(`splitByScaffold: testFraction must be in [0, 1], got ${testFraction}`);
  if (!Number.isSafeInteger(seed)) throw new Error(`splitByScaffold: seed must be an integer, got ${seed}`);
  const keys = records.map((r) => scaffoldKey(r.mol));
  const crystalScaffolds = new Set(keys.filter((_, i) => records[i]!.source === 'crystal'));
  const isTest = keys.map((k) => crystalScaffolds.has(k) || scaffoldDraw(k, seed) < testFraction);
  return { train: records.filter((_, i) => !isTest[i]), test: records.filter((_, i) => isTest[i]) };
}

/**
 * A small deterministic subset for CI: per receptor, the first `n` ligands by id. Apply it to
 * each side of a split, so the subset keeps the split's scaffolds apart.
 */
export function ciSlice(records: PoseRecord[], n: number): PoseRecord[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`ciSlice: n must be a non-negative integer, got ${n}`);
  const byReceptor = new Map<string, PoseRecord[]>();
  for (const r of records) byReceptor.set(r.receptor, [...(byReceptor.get(r.receptor) ?? []), r]);
  return [...byReceptor.keys()].sort().flatMap((rec) => byReceptor.get(rec)!.sort((x, y) => compareText(x.id, y.id)).slice(0, n));
}

/**
 * AutoDock Vina's scoring function (Trott & Olson 2010, J. Comput. Chem. 31:455): the
 * intermolecular energy of a ligand pose against a rigid receptor, summed over pairs of heavy
 * atoms closer than 8 Å as weighted terms of their surface distance, and Vina's affinity.
 */
import type { Molecule } from '../chem/molecule.js';
import type { Receptor } from '../chem/receptor.js';
import {
  XS_TYPES, XS_VDW_RADIUS, isAcceptor, isDonor, isHydrophobic, ligandXsTypes, receptorXsTypes, type XsType,
} from '../chem/xs-types.js';

/** Vina's default weights (vina 1.2 `--weight_*`; Trott & Olson 2010, Table 1, rounds them). */
export const VINA_WEIGHTS = {
  gauss1: -0.035579,
  gauss2: -0.005156,
  repulsion: 0.840245,
  hydrophobic: -0.035069,
  hydrogen: -0.587439,
  /** Per rotatable bond in the affinity's divisor 1 + w·N_rot. */
  rotation: 0.05846,
} as const;

/** Atom pairs at least this far apart (Å, centre to centre) do not interact. */
export const VINA_CUTOFF = 8;

/**
 * The weighted Vina energy (kcal/mol) of one atom pair at surface distance d = r − R_i − R_j
 * (Å): gauss1 = exp(−(d/0.5)²), gauss2 = exp(−((d−3)/2)²), repulsion = d² for d < 0;
 * hydrophobic (both atoms hydrophobic) 1 below d = 0.5, linear to 0 at 1.5; hydrogen bond
 * (donor–acceptor pair) 1 below d = −0.7, linear to 0 at 0.
 */
export function vinaSurfaceEnergy(d: number, hydrophobic: boolean, hbond: boolean): number {
  const w = VINA_WEIGHTS;
  let e = w.gauss1 * Math.exp(-((d / 0.5) ** 2)) + w.gauss2 * Math.exp(-(((d - 3) / 2) ** 2));
  if (d < 0) e += w.repulsion * d * d;
  if (hydrophobic && d < 1.5) e += w.hydrophobic * (d < 0.5 ? 1 : 1.5 - d);
  if (hbond && d < 0) e += w.hydrogen * (d < -0.7 ? 1 : -d / 0.7);
  return e;
}

/** d/dd of `vinaSurfaceEnergy` (kcal/mol/Å): the slope of each term, 0 where a term is flat or off. */
export function vinaSurfaceSlope(d: number, hydrophobic: boolean, hbond: boolean): number {
  const w = VINA_WEIGHTS;
  let g = -8 * d * w.gauss1 * Math.exp(-((d / 0.5) ** 2)) - ((d - 3) / 2) * w.gauss2 * Math.exp(-(((d - 3) / 2) ** 2));
  if (d < 0) g += 2 * w.repulsion * d;
  if (hydrophobic && d >= 0.5 && d < 1.5) g -= w.hydrophobic;
  if (hbond && d >= -0.7 && d < 0) g -= w.hydrogen / 0.7;
  return g;
}

/** The Vina energy (kcal/mol) of atoms of types `a` and `b` whose centres are `r` Å apart. */
export function vinaPairEnergy(a: XsType, b: XsType, r: number): number {
  if (r >= VINA_CUTOFF) return 0;
  const hbond = (isDonor(a) && isAcceptor(b)) || (isDonor(b) && isAcceptor(a));
  return vinaSurfaceEnergy(r - XS_VDW_RADIUS[a] - XS_VDW_RADIUS[b], isHydrophobic(a) && isHydrophobic(b), hbond);
}

/**
 * Vina's affinity (kcal/mol) from the intermolecular energy: inter / (1 + w·N_rot), what
 * `vina --score_only` reports as the estimated free energy of binding. N_rot is Vina's torsion
 * count: ½ per end of each rotatable (PDBQT branch) bond whose other end has more than one heavy
 * neighbour, so a bond between two non-terminal heavy atoms counts 1 and one to a terminal heavy
 * atom (a hydroxyl O turning its H) counts ½.
 */
export function vinaAffinity(inter: number, nRot: number): number {
  if (!Number.isFinite(nRot) || nRot < 0) throw new Error(`vina affinity: rotatable bond count must be ≥ 0, got ${nRot}`);
  return inter / (1 + VINA_WEIGHTS.rotation * nRot);
}

/**
 * Vina's soft cap on a ligand atom's positive (clashing) energy, `curl` with v = 1000:
 * e → e·v/(v + e); it changes a 10 kcal/mol clash by 1% and leaves attractions alone.
 */
const CURL = 1000;
const curl = (e: number): number => (e > 0 ? (e * CURL) / (CURL + e) : e);

/** Side of the receptor's grid cells (Å): atoms within the cutoff lie in the 5 × 5 × 5 cells around. */
const CELL = VINA_CUTOFF / 2;

/** A receptor ready for scoring: its typed heavy atoms, bucketed in a grid of CELL-sized cells. */
export interface ScoringReceptor {
  /** Number of typed (heavy) atoms. */
  readonly size: number;
  /** x, y, z of atom j at 3j…3j+2 (Å). */
  readonly coords: Float64Array;
  /** Index into XS_TYPES of each atom. */
  readonly types: Uint8Array;
  /** Lower corner of the grid (Å). */
  readonly origin: readonly [number, number, number];
  /** Cells along x, y, z. */
  readonly dims: readonly [number, number, number];
  /** Atoms of cell c (index (cz·ny + cy)·nx + cx) are cellAtoms[cellStart[c] … cellStart[c+1]). */
  readonly cellStart: Int32Array;
  readonly cellAtoms: Int32Array;
}

const NT = XS_TYPES.length;
const TYPE_INDEX = new Map<XsType, number>(XS_TYPES.map((t, i) => [t, i]));
/** Per type pair (i·NT + j): R_i + R_j, both hydrophobic, donor–acceptor pair. */
const RADIUS_SUM = new Float64Array(NT * NT);
const HYDROPHOBIC_PAIR = new Uint8Array(NT * NT);
const HBOND_PAIR = new Uint8Array(NT * NT);
XS_TYPES.forEach((a, i) => XS_TYPES.forEach((b, j) => {
  RADIUS_SUM[i * NT + j] = XS_VDW_RADIUS[a] + XS_VDW_RADIUS[b];
  HYDROPHOBIC_PAIR[i * NT + j] = isHydrophobic(a) && isHydrophobic(b) ? 1 : 0;
  HBOND_PAIR[i * NT + j] = (isDonor(a) && isAcceptor(b)) || (isDonor(b) && isAcceptor(a)) ? 1 : 0;
}));

/** Types the receptor's heavy atoms once (`receptorXsTypes`) and buckets them in grid cells. */
export function prepareReceptorForScoring(rec: Receptor): ScoringReceptor {
  const typed = receptorXsTypes(rec);
  const xyz: number[] = [];
  const codes: number[] = [];
  rec.residues.forEach((res, r) => res.atoms.forEach((atom, k) => {
    const t = typed[r]![k]!;
    if (t === null) return;
    xyz.push(...atom.coord);
    codes.push(TYPE_INDEX.get(t)!);
  }));
  const size = codes.length;
  if (size === 0) throw new Error(`prepare receptor for scoring: receptor '${rec.title}' has no heavy atoms`);
  const coords = Float64Array.from(xyz);
  const origin: [number, number, number] = [Infinity, Infinity, Infinity];
  const top: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  for (let j = 0; j < size; j++) {
    for (let k = 0; k < 3; k++) {
      origin[k] = Math.min(origin[k]!, coords[3 * j + k]!);
      top[k] = Math.max(top[k]!, coords[3 * j + k]!);
    }
  }
  const dims = [0, 1, 2].map((k) => Math.floor((top[k]! - origin[k]!) / CELL) + 1) as [number, number, number];
  const cellOf = (j: number): number => {
    const c = [0, 1, 2].map((k) => Math.floor((coords[3 * j + k]! - origin[k]!) / CELL));
    return (c[2]! * dims[1] + c[1]!) * dims[0] + c[0]!;
  };
  const cellStart = new Int32Array(dims[0] * dims[1] * dims[2] + 1);
  for (let j = 0; j < size; j++) cellStart[cellOf(j) + 1]!++;
  for (let c = 0; c + 1 < cellStart.length; c++) cellStart[c + 1]! += cellStart[c]!;
  const fill = cellStart.slice(0, -1);
  const cellAtoms = new Int32Array(size);
  for (let j = 0; j < size; j++) cellAtoms[fill[cellOf(j)]!++] = j;
  return { size, coords, types: Uint8Array.from(codes), origin, dims, cellStart, cellAtoms };
}

/**
 * The Vina energy of one ligand atom of type index `t` at (x, y, z) with every receptor atom; with
 * `grad`, its gradient with respect to (x, y, z) is written to grad[0…2].
 */
function atomEnergy(sr: ScoringReceptor, t: number, x: number, y: number, z: number, grad?: Float64Array): number {
  const { coords, types, origin, dims, cellStart, cellAtoms } = sr;
  const [nx, ny, nz] = dims;
  const cx = Math.floor((x - origin[0]) / CELL);
  const cy = Math.floor((y - origin[1]) / CELL);
  const cz = Math.floor((z - origin[2]) / CELL);
  const cutoff2 = VINA_CUTOFF * VINA_CUTOFF;
  let e = 0;
  grad?.fill(0);
  for (let iz = Math.max(0, cz - 2); iz <= Math.min(nz - 1, cz + 2); iz++) {
    for (let iy = Math.max(0, cy - 2); iy <= Math.min(ny - 1, cy + 2); iy++) {
      const row = (iz * ny + iy) * nx;
      const from = cellStart[row + Math.max(0, cx - 2)]!;
      const to = cellStart[row + Math.min(nx - 1, cx + 2) + 1]!;
      for (let p = from; p < to; p++) {
        const j = cellAtoms[p]!;
        const dx = coords[3 * j]! - x;
        const dy = coords[3 * j + 1]! - y;
        const dz = coords[3 * j + 2]! - z;
        const r2 = dx * dx + dy * dy + dz * dz;
        if (r2 >= cutoff2) continue;
        const pair = t * NT + types[j]!, r = Math.sqrt(r2), d = r - RADIUS_SUM[pair]!;
        const hydrophobic = HYDROPHOBIC_PAIR[pair] === 1, hbond = HBOND_PAIR[pair] === 1;
        e += vinaSurfaceEnergy(d, hydrophobic, hbond);
        if (grad && r > 0) {
          const g = vinaSurfaceSlope(d, hydrophobic, hbond) / r; // ∂e/∂x = slope · (x − y)/r, with (dx, dy, dz) = y − x
          grad[0]! -= g * dx;
          grad[1]! -= g * dy;
          grad[2]! -= g * dz;
        }
      }
    }
  }
  return e;
}

/** Type indices (into XS_TYPES) of a ligand's atoms, −1 for the hydrogens Vina ignores. */
export function typeIndices(ligandTypes: readonly (XsType | null)[]): Int8Array {
  return Int8Array.from(ligandTypes, (t) => (t === null ? -1 : TYPE_INDEX.get(t)!));
}

function interEnergy(sr: ScoringReceptor, codes: Int8Array, coords: Float64Array): number {
  if (coords.length !== 3 * codes.length) throw new Error(`vina inter energy: ${coords.length} coordinates for ${codes.length} ligand atoms`);
  let e = 0;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i]! >= 0) e += curl(atomEnergy(sr, codes[i]!, coords[3 * i]!, coords[3 * i + 1]!, coords[3 * i + 2]!));
  }
  return e;
}

/**
 * `interEnergy` and its gradient: ∂E/∂x of every ligand atom written to `grad` (3 per atom, 0 for
 * hydrogens), through the cap's slope v²/(v + e)² on each atom's positive sum.
 */
export function interEnergyAndGradient(sr: ScoringReceptor, codes: Int8Array, coords: Float64Array, grad: Float64Array): number {
  const g = new Float64Array(3);
  grad.fill(0);
  let e = 0;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i]! < 0) continue;
    const ei = atomEnergy(sr, codes[i]!, coords[3 * i]!, coords[3 * i + 1]!, coords[3 * i + 2]!, g);
    const cap = ei > 0 ? (CURL / (CURL + ei)) ** 2 : 1;
    for (let k = 0; k < 3; k++) grad[3 * i + k] = cap * g[k]!;
    e += curl(ei);
  }
  return e;
}

/**
 * The ligand's intramolecular Vina energy over `pairs` (flat i, j index pairs of typed atoms, e.g.
 * those more than three bonds apart, whose distance a pose change moves), uncapped; its gradient
 * is added to `grad` (3 per atom).
 */
export function intraEnergyAndGradient(codes: Int8Array, pairs: Int32Array, coords: Float64Array, grad: Float64Array): number {
  const cutoff2 = VINA_CUTOFF * VINA_CUTOFF;
  let e = 0;
  for (let p = 0; p < pairs.length; p += 2) {
    const i = pairs[p]!, j = pairs[p + 1]!;
    const dx = coords[3 * j]! - coords[3 * i]!, dy = coords[3 * j + 1]! - coords[3 * i + 1]!, dz = coords[3 * j + 2]! - coords[3 * i + 2]!;
    const r2 = dx * dx + dy * dy + dz * dz;
    if (r2 >= cutoff2 || r2 === 0) continue;
    const pair = codes[i]! * NT + codes[j]!, r = Math.sqrt(r2), d = r - RADIUS_SUM[pair]!;
    const hydrophobic = HYDROPHOBIC_PAIR[pair] === 1, hbond = HBOND_PAIR[pair] === 1;
    e += vinaSurfaceEnergy(d, hydrophobic, hbond);
    const g = vinaSurfaceSlope(d, hydrophobic, hbond) / r;
    grad[3 * i]! -= g * dx; grad[3 * i + 1]! -= g * dy; grad[3 * i + 2]! -= g * dz;
    grad[3 * j]! += g * dx; grad[3 * j + 1]! += g * dy; grad[3 * j + 2]! += g * dz;
  }
  return e;
}

/**
 * Vina's intermolecular energy (kcal/mol) of a ligand pose: the sum over ligand atoms of their
 * pair energies with the receptor, each atom's sum softly capped as Vina does (`curl`).
 * `ligandTypes[i]` is atom i's type (null for hydrogens, which Vina ignores), `coords` its
 * x, y, z at 3i…3i+2 (Å).
 */
export function vinaInterEnergy(sr: ScoringReceptor, ligandTypes: readonly (XsType | null)[], coords: Float64Array): number {
  return interEnergy(sr, typeIndices(ligandTypes), coords);
}

/**
 * Vina affinities (kcal/mol, lower is better) of poses of `mol`: each pose holds x, y, z of
 * every atom of `mol` (hydrogens included when `mol` has them; they are ignored), and `nRot` is
 * Vina's torsion count of the ligand (see `vinaAffinity`).
 */
export function scorePoses(sr: ScoringReceptor, mol: Pick<Molecule, 'atoms' | 'bonds'>, poses: readonly Float64Array[], nRot: number): number[] {
  const codes = typeIndices(ligandXsTypes(mol));
  return poses.map((pose) => vinaAffinity(interEnergy(sr, codes, pose), nRot));
}

/**
 * X-Score atom types as AutoDock Vina uses them (Trott & Olson 2010): an element, whether a
 * carbon is bonded to a heteroatom, and whether an N or O donates and/or accepts hydrogen bonds.
 * Two routes give them: from a ligand Molecule (hydrogens explicit or implied by valence) and
 * from a Receptor (its explicit hydrogens when it has any, else standard amino-acid tables).
 */
import type { Molecule } from './molecule.js';
import type { Receptor } from './receptor.js';

/** Vina's X-Score types (C_H: carbon bonded to no heteroatom; _D donor, _A acceptor, _P neither). */
export const XS_TYPES = [
  'C_H', 'C_P', 'N_P', 'N_D', 'N_A', 'N_DA', 'O_P', 'O_D', 'O_A', 'O_DA',
  'S_P', 'P_P', 'F_H', 'Cl_H', 'Br_H', 'I_H', 'Met_D',
] as const;
/** One of the X-Score atom types of XS_TYPES. */
export type XsType = (typeof XS_TYPES)[number];

/** Van der Waals radii (Å) of the X-Score types, Vina's `xs_vdw_radii`. */
export const XS_VDW_RADIUS: Readonly<Record<XsType, number>> = {
  C_H: 1.9, C_P: 1.9, N_P: 1.8, N_D: 1.8, N_A: 1.8, N_DA: 1.8, O_P: 1.7, O_D: 1.7, O_A: 1.7, O_DA: 1.7,
  S_P: 2.0, P_P: 2.1, F_H: 1.5, Cl_H: 1.8, Br_H: 2.0, I_H: 2.2, Met_D: 1.2,
};

/** Whether Vina's hydrophobic term applies to the type (non-polar carbon and halogens). */
export function isHydrophobic(t: XsType): boolean {
  return t === 'C_H' || t === 'F_H' || t === 'Cl_H' || t === 'Br_H' || t === 'I_H';
}

/** Whether the type donates hydrogen bonds (metals count as donors in Vina). */
export function isDonor(t: XsType): boolean {
  return t === 'N_D' || t === 'N_DA' || t === 'O_D' || t === 'O_DA' || t === 'Met_D';
}

/** Whether the type accepts hydrogen bonds. */
export function isAcceptor(t: XsType): boolean {
  return t === 'N_A' || t === 'N_DA' || t === 'O_A' || t === 'O_DA';
}

/** Metals Vina knows (AD types and its `non_ad_metal_names`); all become Met_D. */
const METALS = new Set(['Mg', 'Mn', 'Zn', 'Ca', 'Fe', 'Cu', 'Na', 'K', 'Hg', 'Co', 'U', 'Cd', 'Ni']);

/** Covalent radii (Å) from Vina's atom table; unlisted metals get Vina's 1.75. */
const COVALENT_RADIUS: Readonly<Record<string, number>> = {
  H: 0.37, C: 0.77, N: 0.75, O: 0.73, P: 1.06, S: 1.02, Se: 1.02, F: 0.71, Cl: 0.99, Br: 1.14, I: 1.33,
  Mg: 1.3, Mn: 1.39, Zn: 1.31, Ca: 1.74, Fe: 1.25,
};

/** Vina bonds two atoms closer than this factor times the sum of their covalent radii. */
const BOND_ALLOWANCE = 1.1;

/** A C–N bond shorter than this (Å) is conjugated (amide, guanidine, aromatic: 1.32–1.38; sp3 ≥ 1.45). */
const CONJUGATED_CN = 1.4;

/** What decides an atom's X-Score type besides its element. */
interface Polarity {
  /** For carbon: bonded to an atom other than C and H (Vina's `bonded_to_heteroatom`). */
  hetero: boolean;
  donor: boolean;
  acceptor: boolean;
}

/** 'CL' or 'cl' → 'Cl'. */
function normaliseElement(element: string): string {
  return element.charAt(0).toUpperCase() + element.slice(1).toLowerCase();
}

/** The X-Score type of an atom from its element and polarity; null for hydrogen (Vina skips it). */
function xsType(element: string, p: Polarity): XsType | null {
  const polar = (n: 'N' | 'O'): XsType =>
    p.donor && p.acceptor ? `${n}_DA` : p.acceptor ? `${n}_A` : p.donor ? `${n}_D` : `${n}_P`;
  switch (element) {
    case 'H': return null;
    case 'C': return p.hetero ? 'C_P' : 'C_H';
    case 'N': return polar('N');
    case 'O': return polar('O');
    case 'S': case 'Se': return 'S_P';
    case 'P': return 'P_P';
    case 'F': return 'F_H';
    case 'Cl': return 'Cl_H';
    case 'Br': return 'Br_H';
    case 'I': return 'I_H';
    default:
      if (METALS.has(element)) return 'Met_D';
      throw new Error(`xs type: element '${element}' has no AutoDock Vina atom type`);
  }
}

/** The hybridisation Open Babel's atom typer (atomtyp.txt INTHYB) gives a nitrogen: 1, 2 or 3. */
type Hybridisation = 1 | 2 | 3;

/**
 * Whether Open Babel calls a nitrogen a hydrogen-bond acceptor (`OBAtom::IsHbondAcceptor`, which
 * its PDBQT writer turns into type NA): every N except a 4-connected sp3 one (ammonium) and a
 * 3-connected sp2 one (amide, aniline, pyrrole-type, nitro, N+ in a double bond). `degree`
 * counts hydrogens. Note what this implies: sp3 amines and sulfonamide N are acceptors, and so
 * are over-protonated N (5 connections, 4-connected sp2).
 */
function openBabelNitrogenAcceptor(degree: number, hyb: Hybridisation): boolean {
  return !((degree === 4 && hyb === 3) || (degree === 3 && hyb === 2));
}

// ---------------------------------------------------------------------------------------------
// Ligands

/** Bond order as a valence contribution (aromatic counts 1.5). */
const valenceOf = (order: number): number => (order === 4 ? 1.5 : order);

/**
 * X-Score types of a ligand's atoms (null for hydrogens), as Vina would assign them to Open
 * Babel's PDBQT of the molecule. Hydrogens count whether explicit or implied: an N or O carries
 * max(0, v − Σ bond valence) implicit H with v = 3 + charge (N), 2 + charge (O), aromatic bonds
 * counting 1.5 (use Kekulé bonds for pyrrole-type [nH], or give its H explicitly).
 * - C: C_P if bonded to any atom other than C or H, else C_H.
 * - N, O: donor if they carry a hydrogen. O always accepts (Open Babel types every O as OA).
 *   N accepts by Open Babel's rule (`openBabelNitrogenAcceptor`), with its hybridisation from
 *   the atomtyp.txt patterns: sp if triple-bonded or with two double bonds; else sp2 if it has a
 *   double or aromatic bond, or a C/N/O neighbour has one, or (≤ 3 connections) an aromatic
 *   neighbour; else sp3.
 */
export function ligandXsTypes(mol: Pick<Molecule, 'atoms' | 'bonds'>): (XsType | null)[] {
  const n = mol.atoms.length;
  const elements = mol.atoms.map((a) => normaliseElement(a.element));
  const nbrs: { j: number; order: number }[][] = elements.map(() => []);
  for (const { a, b, order } of mol.bonds) {
    if (a < 0 || b < 0 || a >= n || b >= n || a === b) throw new Error(`ligand xs types: bond ${a}-${b} out of range for ${n} atoms`);
    nbrs[a]!.push({ j: b, order });
    nbrs[b]!.push({ j: a, order });
  }
  const multiple = (i: number, except = -1): boolean => nbrs[i]!.some((x) => x.j !== except && x.order >= 2);
  const aromatic = (i: number): boolean => nbrs[i]!.some((x) => x.order === 4);
  const hydrogens = (i: number): number => {
    const explicit = nbrs[i]!.filter((x) => elements[x.j] === 'H').length;
    const valence = elements[i] === 'N' ? 3 : 2;
    const used = nbrs[i]!.reduce((s, x) => s + valenceOf(x.order), 0);
    return explicit + Math.max(0, Math.floor(valence + mol.atoms[i]!.charge - used));
  };
  const hybridisation = (i: number, degree: number): Hybridisation => {
    const own = nbrs[i]!;
    if (own.some((x) => x.order === 3) || (degree === 2 && own.filter((x) => x.order === 2).length === 2)) return 1;
    if (multiple(i)) return 2;
    if (own.some((x) => ['C', 'N', 'O'].includes(elements[x.j]!) && multiple(x.j, i))) return 2;
    if (degree <= 3 && own.some((x) => aromatic(x.j))) return 2;
    return 3;
  };
  return elements.map((el, i) => {
    const heavy = nbrs[i]!.filter((x) => elements[x.j] !== 'H');
    const hetero = heavy.some((x) => elements[x.j] !== 'C');
    if (el !== 'N' && el !== 'O') return xsType(el, { hetero, donor: false, acceptor: false });
    const h = hydrogens(i);
    const degree = heavy.length + h;
    const acceptor = el === 'O' || openBabelNitrogenAcceptor(degree, hybridisation(i, degree));
    return xsType(el, { hetero, donor: h > 0, acceptor });
  });
}

// ---------------------------------------------------------------------------------------------
// Receptors

/** Side-chain N/O that carry a hydrogen at pH 7 in standard residues (backbone N: all but PRO). */
const SIDE_CHAIN_DONORS: Readonly<Record<string, readonly string[]>> = {
  ARG: ['NE', 'NH1', 'NH2'], ASN: ['ND2'], GLN: ['NE2'], HIS: ['ND1', 'NE2'], LYS: ['NZ'],
  TRP: ['NE1'], SER: ['OG'], THR: ['OG1'], TYR: ['OH'], HOH: ['O'], WAT: ['O'],
};

/** Side-chain N that accept hydrogen bonds (histidine: either ring N, the tautomer being unknown). */
const SIDE_CHAIN_N_ACCEPTORS: Readonly<Record<string, readonly string[]>> = { HIS: ['ND1', 'NE2'] };

/** Covalent bonds between atoms by Vina's distance rule, found by a sweep along x. */
function distanceBonds(elements: string[], coords: Float64Array): number[][] {
  const n = elements.length;
  const radius = elements.map((e) => COVALENT_RADIUS[e] ?? 1.75);
  const maxBond = BOND_ALLOWANCE * 2 * Math.max(0, ...radius);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => coords[3 * i]! - coords[3 * j]!);
  const bonded: number[][] = elements.map(() => []);
  for (let p = 0; p < n; p++) {
    const i = order[p]!;
    for (let q = p + 1; q < n; q++) {
      const j = order[q]!;
      const dx = coords[3 * j]! - coords[3 * i]!;
      if (dx > maxBond) break;
      const dy = coords[3 * j + 1]! - coords[3 * i + 1]!;
      const dz = coords[3 * j + 2]! - coords[3 * i + 2]!;
      const limit = BOND_ALLOWANCE * (radius[i]! + radius[j]!);
      if (dx * dx + dy * dy + dz * dz < limit * limit) {
        bonded[i]!.push(j);
        bonded[j]!.push(i);
      }
    }
  }
  return bonded;
}

/**
 * X-Score types of a receptor's atoms, `types[r][k]` for atom k of residue r (null for
 * hydrogens). Bonds come from Vina's distance rule (closer than 1.1 × the sum of covalent radii),
 * so carbons are C_P when bonded to any heteroatom, across residues too.
 * - With hydrogens in the receptor (e.g. Open Babel's PDBQT), types follow what Vina does with
 *   that file: N/O donate if bonded to an H; O always accepts; N accepts by Open Babel's rule
 *   (`openBabelNitrogenAcceptor`) with its connections counted from the bonded H and sp2 meaning
 *   a C–N bond shorter than 1.40 Å. This reproduces Open Babel's typing of over-protonated
 *   LYS NZ (NH4-like) and ARG NH1 (NH3-like) as acceptors too.
 * - Without hydrogens, standard tables by residue and atom name: backbone N donates (not PRO),
 *   side-chain donors per `SIDE_CHAIN_DONORS`, every O accepts, HIS ring N donate and accept,
 *   other N neither accept nor (outside the tables) donate.
 */
export function receptorXsTypes(rec: Receptor): (XsType | null)[][] {
  const flat = rec.residues.flatMap((res) => res.atoms.map((atom) => ({ res, atom, element: normaliseElement(atom.element) })));
  const elements = flat.map((x) => x.element);
  const coords = new Float64Array(flat.flatMap((x) => x.atom.coord));
  const bonded = distanceBonds(elements, coords);
  const withHydrogens = elements.includes('H');
  const distance = (i: number, j: number): number =>
    Math.hypot(coords[3 * i]! - coords[3 * j]!, coords[3 * i + 1]! - coords[3 * j + 1]!, coords[3 * i + 2]! - coords[3 * j + 2]!);
  const polarityFromHydrogens = (i: number): Polarity => {
    const hs = bonded[i]!.filter((j) => elements[j] === 'H').length;
    const heavy = bonded[i]!.filter((j) => elements[j] !== 'H');
    const sp2 = heavy.some((j) => elements[j] === 'C' && distance(i, j) < CONJUGATED_CN);
    const acceptor = elements[i] === 'O' || openBabelNitrogenAcceptor(heavy.length + hs, sp2 ? 2 : 3);
    return { hetero: false, donor: hs > 0, acceptor };
  };
  const polarityFromNames = (i: number): Polarity => {
    const { res, atom } = flat[i]!;
    const donor = (atom.name === 'N' && res.name !== 'PRO') || (SIDE_CHAIN_DONORS[res.name]?.includes(atom.name) ?? false);
    const acceptor = elements[i] === 'O' || (SIDE_CHAIN_N_ACCEPTORS[res.name]?.includes(atom.name) ?? false);
    return { hetero: false, donor, acceptor };
  };
  const types = elements.map((el, i) => {
    if (el === 'N' || el === 'O') return xsType(el, withHydrogens ? polarityFromHydrogens(i) : polarityFromNames(i));
    const hetero = bonded[i]!.some((j) => elements[j] !== 'C' && elements[j] !== 'H');
    return xsType(el, { hetero, donor: false, acceptor: false });
  });
  let next = 0;
  return rec.residues.map((res) => res.atoms.map(() => types[next++]!));
}

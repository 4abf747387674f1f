import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Molecule } from '../../src/chem/molecule.js';
import { readReceptorFile, type Receptor } from '../../src/chem/receptor.js';
import { XS_TYPES, ligandXsTypes, receptorXsTypes, type XsType } from '../../src/chem/xs-types.js';
import {
  VINA_CUTOFF, VINA_WEIGHTS, prepareReceptorForScoring, scorePoses, vinaAffinity, vinaInterEnergy, vinaPairEnergy, vinaSurfaceEnergy,
} from '../../src/docking/vina-score.js';

interface LigandJson {
  elements: string[];
  charges: number[];
  bonds: [number, number, 1 | 2 | 3 | 4][];
  rotatableBonds: number;
  modes: { rank: number; coords: [number, number, number][] }[];
}

interface Reference {
  vina: string;
  scores: { receptor: string; ligand: string; rank: number; shift?: [number, number, number]; nRot: number; vinaInter: number; vinaAffinity: number }[];
  ligandTypes: Record<string, string>;
}

const reference = JSON.parse(readFileSync('test/docking/fixtures/vina/reference.json', 'utf8')) as Reference;

/** |a − b| ≤ 1e-12: equal up to the rounding of the surface distance. */
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12;

const readLigand = (file: string): LigandJson => JSON.parse(readFileSync(file, 'utf8')) as LigandJson;

/** A Molecule from a data set ligand (heavy atoms, hydrogens implicit) at pose coordinates. */
function molecule(lig: LigandJson, coords: Float64Array = new Float64Array(3 * lig.elements.length)): Molecule {
  return {
    title: '',
    atoms: lig.elements.map((element, i) => ({ element, charge: lig.charges[i]! })),
    bonds: lig.bonds.map(([a, b, order]) => ({ a, b, order })),
    coords,
    props: {},
  };
}

/** A small molecule from elements (charge in the element string's suffix: 'N+') and bonds. */
function mol(atoms: string[], bonds: [number, number, 1 | 2 | 3 | 4][]): Molecule {
  return {
    title: '',
    atoms: atoms.map((s) => ({ element: s.replace(/[+-]$/, ''), charge: s.endsWith('+') ? 1 : s.endsWith('-') ? -1 : 0 })),
    bonds: bonds.map(([a, b, order]) => ({ a, b, order })),
    coords: new Float64Array(3 * atoms.length),
    props: {},
  };
}

/** Spearman's rank correlation (average ranks for ties). */
function spearman(x: number[], y: number[]): number {
  const ranks = (v: number[]): number[] => {
    const order = v.map((_, i) => i).sort((i, j) => v[i]! - v[j]!);
    const r = new Array<number>(v.length);
    for (let s = 0; s < order.length;) {
      let e = s;
      while (e + 1 < order.length && v[order[e + 1]!] === v[order[s]!]) e++;
      for (let k = s; k <= e; k++) r[order[k]!] = (s + e) / 2;
      s = e + 1;
    }
    return r;
  };
  const rx = ranks(x);
  const ry = ranks(y);
  const mean = (x.length - 1) / 2;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i]! - mean) * (ry[i]! - mean);
    sxx += (rx[i]! - mean) ** 2;
    syy += (ry[i]! - mean) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** A receptor PDBQT read line by line, every atom kept, and the AutoDock types of its atoms in residue order. */
function pdbqtWithTypes(file: string): { receptor: Receptor; adTypes: string[] } {
  const residues = new Map<string, Receptor['residues'][number]>();
  const adTypes = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter((l) => /^(ATOM|HETATM)/.test(l))) {
    const key = line.slice(17, 27);
    if (!residues.has(key)) {
      residues.set(key, { name: line.slice(17, 20).trim(), chain: line[21]!, seq: Number(line.slice(22, 26)), icode: line[26]!.trim(), atoms: [] });
      adTypes.set(key, []);
    }
    const ad = line.slice(77, 79).trim();
    const element = { A: 'C', NA: 'N', OA: 'O', SA: 'S', HD: 'H' }[ad] ?? ad;
    residues.get(key)!.atoms.push({ name: line.slice(12, 16).trim(), element, coord: [Number(line.slice(30, 38)), Number(line.slice(38, 46)), Number(line.slice(46, 54))] });
    adTypes.get(key)!.push(ad);
  }
  return { receptor: { title: file, residues: [...residues.values()] }, adTypes: [...adTypes.values()].flat() };
}

test('vinaSurfaceEnergy: the weighted terms of Trott & Olson at hand-computed surface distances', () => {
  const w = VINA_WEIGHTS;
  // d = 0: gauss1 = 1, gauss2 = exp(−2.25), hydrophobic 1, hbond 0 (it starts below 0).
  assert.ok(Math.abs(vinaSurfaceEnergy(0, true, true) - (w.gauss1 + w.gauss2 * Math.exp(-2.25) + w.hydrophobic)) < 1e-15);
  // d = −1: repulsion 1, full hydrogen bond, gauss1 = exp(−4), gauss2 = exp(−4).
  const e = vinaSurfaceEnergy(-1, false, true);
  assert.ok(Math.abs(e - (w.gauss1 * Math.exp(-4) + w.gauss2 * Math.exp(-4) + w.repulsion + w.hydrogen)) < 1e-15);
  // Linear ramps: hydrophobic at d = 1 is 0.5, hydrogen bond at d = −0.35 is 0.5.
  const base = (d: number): number => vinaSurfaceEnergy(d, false, false);
  assert.ok(Math.abs(vinaSurfaceEnergy(1, true, false) - base(1) - 0.5 * w.hydrophobic) < 1e-15);
  assert.ok(Math.abs(vinaSurfaceEnergy(-0.35, false, true) - base(-0.35) - 0.5 * w.hydrogen) < 1e-15);
  assert.equal(vinaSurfaceEnergy(1.5, true, false), base(1.5));
  // gauss2 peaks at d = 3.
  assert.ok(Math.abs(base(3) - (w.gauss2 + w.gauss1 * Math.exp(-36))) < 1e-15);
});

test('vinaPairEnergy: radii by type, H-bond only for donor–acceptor pairs, zero from the 8 Å cutoff', () => {
  // C_H–C_H at 3.8 Å is at contact (R = 1.9 + 1.9).
  assert.ok(close(vinaPairEnergy('C_H', 'C_H', 3.8), vinaSurfaceEnergy(0, true, false)));
  // N_D (1.8) with O_A (1.7) at 2.8 Å: d = −0.7; N_A with O_A is no H-bond; C_P is not hydrophobic.
  assert.ok(close(vinaPairEnergy('N_D', 'O_A', 2.8), vinaSurfaceEnergy(-0.7, false, true)));
  assert.ok(close(vinaPairEnergy('O_A', 'N_D', 2.8), vinaSurfaceEnergy(-0.7, false, true)));
  assert.ok(close(vinaPairEnergy('N_A', 'O_A', 2.8), vinaSurfaceEnergy(-0.7, false, false)));
  assert.ok(close(vinaPairEnergy('C_P', 'C_H', 3.8), vinaSurfaceEnergy(0, false, false)));
  assert.ok(close(vinaPairEnergy('Met_D', 'O_A', 2.9), vinaSurfaceEnergy(0, false, true)));
  assert.ok(close(vinaPairEnergy('Cl_H', 'C_H', 3.7), vinaSurfaceEnergy(0, true, false)));
  assert.equal(vinaPairEnergy('C_H', 'C_H', VINA_CUTOFF), 0);
  assert.ok(vinaPairEnergy('C_H', 'C_H', VINA_CUTOFF - 1e-9) < 0);
});

test('vinaAffinity divides by 1 + 0.05846 N_rot and rejects a negative count', () => {
  assert.ok(Math.abs(vinaAffinity(-10, 5) - -10 / 1.2923) < 1e-12);
  assert.equal(vinaAffinity(-7, 0), -7);
  assert.throws(() => vinaAffinity(-7, -1), /rotatable bond count must be ≥ 0, got -1/);
});

test('ligandXsTypes: donors from (implicit) hydrogens, acceptors by Open Babel\'s rule', () => {
  const types = (atoms: string[], bonds: [number, number, 1 | 2 | 3 | 4][]): (XsType | null)[] => ligandXsTypes(mol(atoms, bonds));
  // Ethanol: CH3 is C_H, CH2–O is C_P, the hydroxyl O donates and accepts.
  assert.deepEqual(types(['C', 'C', 'O'], [[0, 1, 1], [1, 2, 1]]), ['C_H', 'C_P', 'O_DA']);
  // Dimethyl ether O and a carbonyl O only accept.
  assert.deepEqual(types(['C', 'O', 'C'], [[0, 1, 1], [1, 2, 1]]), ['C_P', 'O_A', 'C_P']);
  // Trimethylamine (sp3, 3 connections) accepts; methylammonium (4 connections, sp3) only donates.
  assert.equal(types(['N', 'C', 'C', 'C'], [[0, 1, 1], [0, 2, 1], [0, 3, 1]])[0], 'N_A');
  assert.equal(types(['N+', 'C'], [[0, 1, 1]])[0], 'N_D');
  assert.equal(types(['N', 'C'], [[0, 1, 1]])[0], 'N_DA');
  // Acetamide N and aniline N (sp2, 3 connections with their H) only donate.
  assert.equal(types(['N', 'C', 'O', 'C'], [[0, 1, 1], [1, 2, 2], [1, 3, 1]])[0], 'N_D');
  const benzene: [number, number, 1 | 2 | 3 | 4][] = [[0, 1, 2], [1, 2, 1], [2, 3, 2], [3, 4, 1], [4, 5, 2], [5, 0, 1]];
  assert.equal(types(['C', 'C', 'C', 'C', 'C', 'C', 'N'], [...benzene, [0, 6, 1]])[6], 'N_D');
  // Pyridine N accepts; pyrrole NH (Kekulé) donates only; the same with aromatic bonds and an explicit H.
  assert.equal(types(['N', 'C', 'C', 'C', 'C', 'C'], benzene)[0], 'N_A');
  const pyrrole: [number, number, 1 | 2 | 3 | 4][] = [[0, 1, 1], [1, 2, 2], [2, 3, 1], [3, 4, 2], [4, 0, 1]];
  assert.equal(types(['N', 'C', 'C', 'C', 'C'], pyrrole)[0], 'N_D');
  const aromaticPyrrole = pyrrole.map(([a, b]): [number, number, 4] => [a, b, 4]);
  assert.deepEqual(types(['N', 'C', 'C', 'C', 'C', 'H'], [...aromaticPyrrole, [0, 5, 1]]), ['N_D', 'C_P', 'C_H', 'C_H', 'C_P', null]);
  // Nitrile N accepts (sp); nitro N+ (sp2, 3 connections) does not; sulfonamide NH2 does (Open Babel: sp3).
  assert.equal(types(['C', 'C', 'N'], [[0, 1, 1], [1, 2, 3]])[2], 'N_A');
  assert.equal(types(['C', 'N+', 'O', 'O-'], [[0, 1, 1], [1, 2, 2], [1, 3, 1]])[1], 'N_P');
  assert.equal(types(['C', 'S', 'O', 'O', 'N'], [[0, 1, 1], [1, 2, 2], [1, 3, 2], [1, 4, 1]])[4], 'N_DA');
  // Explicit hydrogens give the same types as implicit ones: methylamine.
  assert.deepEqual(types(['N', 'C', 'H', 'H'], [[0, 1, 1], [0, 2, 1], [0, 3, 1]]), ['N_DA', 'C_P', null, null]);
  // Halogens, S, P and carbon bonded to them.
  assert.deepEqual(types(['C', 'Cl', 'C', 'S', 'P', 'Br', 'I', 'F'], [[0, 1, 1], [2, 3, 1]]), ['C_P', 'Cl_H', 'C_P', 'S_P', 'P_P', 'Br_H', 'I_H', 'F_H']);
  assert.throws(() => types(['C', 'B'], [[0, 1, 1]]), /element 'B' has no AutoDock Vina atom type/);
  assert.throws(() => types(['C', 'C'], [[0, 2, 1]]), /bond 0-2 out of range for 2 atoms/);
});

test('ligandXsTypes agrees with Vina\'s typing of Open Babel\'s PDBQT for every committed ligand', () => {
  const entries = Object.entries(reference.ligandTypes);
  assert.ok(entries.length >= 100);
  const wrong: string[] = [];
  for (const [id, expected] of entries) {
    const got = ligandXsTypes(molecule(readLigand(`data/docking/${id}.json`))).join(' ');
    if (got !== expected) wrong.push(`${id}\n  vina ${expected}\n  ours ${got}`);
  }
  assert.deepEqual(wrong, []);
});

test('receptorXsTypes reproduces Vina\'s typing of the committed receptor PDBQTs (all atoms)', () => {
  for (const id of ['2C6E', '1HPV']) {
    const { receptor, adTypes } = pdbqtWithTypes(`data/docking/receptors/${id}.pdbqt`);
    const atoms = receptor.residues.flatMap((r) => r.atoms.map((a) => ({ r, a })));
    const got = receptorXsTypes(receptor).flat();
    // Vina's rule on the file: NA/OA accept; N/O bonded to an HD donate; C bonded to N/O/S is C_P;
    // bonded: closer than 1.1 × the sum of covalent radii.
    const covalent: Record<string, number> = { H: 0.37, C: 0.77, N: 0.75, O: 0.73, S: 1.02 };
    const hetero = atoms.map((_, j) => j).filter((j) => 'NOS'.includes(atoms[j]!.a.element));
    const polarH = atoms.map((_, j) => j).filter((j) => adTypes[j] === 'HD');
    const bondedToAny = (i: number, among: number[]): boolean => among.some((j) => {
      const [p, q] = [atoms[i]!.a, atoms[j]!.a];
      return Math.hypot(p.coord[0] - q.coord[0], p.coord[1] - q.coord[1], p.coord[2] - q.coord[2]) < 1.1 * (covalent[p.element]! + covalent[q.element]!);
    });
    const wrong: string[] = [];
    atoms.forEach(({ r, a }, i) => {
      const ad = adTypes[i]!;
      let expected: XsType | null;
      if (a.element === 'H') expected = null;
      else if (a.element === 'S') expected = 'S_P';
      else if (a.element === 'C') expected = bondedToAny(i, hetero) ? 'C_P' : 'C_H';
      else {
        const donor = bondedToAny(i, polarH);
        const acceptor = ad === 'NA' || ad === 'OA';
        expected = `${a.element}_${donor && acceptor ? 'DA' : acceptor ? 'A' : donor ? 'D' : 'P'}` as XsType;
      }
      if (got[i] !== expected) wrong.push(`${id} ${r.name}${r.seq} ${a.name}: vina ${expected}, ours ${got[i]}`);
    });
    assert.deepEqual(wrong, []);
  }
});

test('receptorXsTypes without hydrogens: standard residue tables', () => {
  const { receptor } = pdbqtWithTypes('data/docking/receptors/1HPV.pdbqt');
  const bare: Receptor = { title: 'bare', residues: receptor.residues.map((r) => ({ ...r, atoms: r.atoms.filter((a) => a.element !== 'H') })) };
  const types = receptorXsTypes(bare);
  const typeOf = (res: string, atom: string): XsType | null => {
    const r = bare.residues.findIndex((x) => x.name === res && x.atoms.some((a) => a.name === atom));
    return types[r]![bare.residues[r]!.atoms.findIndex((a) => a.name === atom)]!;
  };
  assert.equal(typeOf('LYS', 'NZ'), 'N_D');
  assert.equal(typeOf('ARG', 'NH1'), 'N_D');
  assert.equal(typeOf('PRO', 'N'), 'N_P');
  assert.equal(typeOf('GLY', 'N'), 'N_D');
  assert.equal(typeOf('THR', 'OG1'), 'O_DA');
  assert.equal(typeOf('ASP', 'OD1'), 'O_A');
  assert.equal(typeOf('HIS', 'NE2'), 'N_DA');
  assert.equal(typeOf('MET', 'SD'), 'S_P');
  assert.equal(typeOf('MET', 'CE'), 'C_P');
  assert.equal(typeOf('LEU', 'CD1'), 'C_H');
  assert.equal(typeOf('ASP', 'CG'), 'C_P');
});

test('vinaInterEnergy: pair energies within 8 Å summed per ligand atom, clashes capped as Vina does', () => {
  const residue = (atoms: [string, number, number, number][]): Receptor['residues'][number] =>
    ({ name: 'UNK', chain: 'A', seq: 1, icode: '', atoms: atoms.map(([element, x, y, z]) => ({ name: element, element, coord: [x, y, z] })) });
  // Two lone receptor carbons (C_H) 20 Å apart, in different grid cells.
  const sr = prepareReceptorForScoring({ title: 'two carbons', residues: [residue([['C', 0, 0, 0], ['C', 20, 0, 0]])] });
  const at = (x: number, y = 0, z = 0): number => vinaInterEnergy(sr, ['C_H'], Float64Array.of(x, y, z));
  assert.ok(close(at(4), vinaPairEnergy('C_H', 'C_H', 4)));
  assert.ok(close(at(10, 0, 3), 2 * vinaPairEnergy('C_H', 'C_H', Math.hypot(10, 3))));
  assert.equal(at(-8.5), 0);
  assert.equal(at(500, -300, 7), 0);
  const clash = vinaPairEnergy('C_H', 'C_H', 2);
  assert.ok(clash > 2 && close(at(2), (clash * 1000) / (1000 + clash)));
  // A hydrogen is ignored; a second ligand atom adds its own term.
  assert.ok(close(vinaInterEnergy(sr, ['C_H', null, 'O_A'], Float64Array.of(4, 0, 0, 1, 0, 0, 16, 0, 0)), vinaPairEnergy('C_H', 'C_H', 4) + vinaPairEnergy('O_A', 'C_H', 4)));
  assert.throws(() => vinaInterEnergy(sr, ['C_H'], new Float64Array(6)), /6 coordinates for 1 ligand atoms/);
  assert.throws(() => prepareReceptorForScoring({ title: 'H only', residues: [residue([['H', 0, 0, 0]])] }), /receptor 'H only' has no heavy atoms/);
});

test('vinaInterEnergy: the grid gives the all-pairs sum against 2C6E', () => {
  const sr = prepareReceptorForScoring(readReceptorFile('data/docking/receptors/2C6E.pdbqt'));
  const lig = readLigand('data/docking/2C6E/cdk2-023.json');
  const types = ligandXsTypes(molecule(lig));
  const coords = Float64Array.from(lig.modes[0]!.coords.flat());
  let brute = 0;
  types.forEach((t, i) => {
    let atom = 0;
    for (let j = 0; j < sr.size; j++) {
      const r = Math.hypot(...[0, 1, 2].map((k) => coords[3 * i + k]! - sr.coords[3 * j + k]!));
      atom += vinaPairEnergy(t!, XS_TYPES[sr.types[j]!]!, r);
    }
    brute += atom > 0 ? (atom * 1000) / (1000 + atom) : atom;
  });
  assert.ok(Math.abs(vinaInterEnergy(sr, types, coords) - brute) < 1e-9);
});

test('vinaInterEnergy matches vina 1.2.3 --score_only on docked and shifted poses', (t) => {
  const receptors = new Map(['2C6E', '1HPV'].map((id) => [id, prepareReceptorForScoring(readReceptorFile(`data/docking/receptors/${id}.pdbqt`))]));
  const byLigand = new Map<string, { ours: number[]; vina: number[] }>();
  let worstAbs = 0;
  let worstRel = 0;
  for (const s of reference.scores) {
    const lig = readLigand(s.ligand);
    const coords = Float64Array.from(lig.modes.find((m) => m.rank === s.rank)!.coords.flatMap((p) => p.map((c, k) => c + (s.shift?.[k] ?? 0))));
    const inter = vinaInterEnergy(receptors.get(s.receptor)!, ligandXsTypes(molecule(lig)), coords);
    const tol = 0.05;
    assert.ok(Math.abs(inter - s.vinaInter) <= tol, `${s.ligand} rank ${s.rank} shift ${s.shift}: ours ${inter.toFixed(3)}, vina ${s.vinaInter}`);
    worstAbs = Math.max(worstAbs, Math.abs(inter - s.vinaInter));
    worstRel = Math.max(worstRel, Math.abs(inter - s.vinaInter) / Math.abs(s.vinaInter));
    // Vina's N_rot counts a torsion to a terminal heavy atom (hydroxyl, NH2) ½: the data set's rotatableBonds counts it 1.
    const affinity = vinaAffinity(inter, s.nRot);
    assert.ok(Math.abs(affinity - s.vinaAffinity) <= tol, `${s.ligand}: affinity ${affinity.toFixed(3)} vs vina ${s.vinaAffinity}`);
    const entry = byLigand.get(s.ligand) ?? { ours: [], vina: [] };
    entry.ours.push(inter);
    entry.vina.push(s.vinaInter);
    byLigand.set(s.ligand, entry);
  }
  for (const [ligand, { ours, vina }] of byLigand) assert.ok(spearman(ours, vina) >= 0.9, `${ligand}: Spearman ${spearman(ours, vina)}`);
  t.diagnostic(`${reference.scores.length} poses vs ${reference.vina}: max |Δ| ${worstAbs.toFixed(3)} kcal/mol, max relative ${(100 * worstRel).toFixed(2)}%`);
});

test('scorePoses: affinities of 40 poses of a 31-atom ligand against 2C6E, hydrogens ignored, in milliseconds', (t) => {
  const sr = prepareReceptorForScoring(readReceptorFile('data/docking/receptors/2C6E.pdbqt'));
  const lig = readLigand('data/docking/2C6E/cdk2-023.json');
  assert.equal(lig.elements.length, 31);
  const poses = Array.from({ length: 40 }, (_, p) => Float64Array.from(lig.modes[p % lig.modes.length]!.coords.flatMap((c) => c.map((x, k) => x + 0.05 * (p % 7) * (k - 1)))));
  const m = molecule(lig);
  scorePoses(sr, m, poses.slice(0, 2), lig.rotatableBonds);
  const t0 = performance.now();
  const scores = scorePoses(sr, m, poses, lig.rotatableBonds);
  const ms = performance.now() - t0;
  t.diagnostic(`scorePoses: 40 poses × 31 atoms in ${ms.toFixed(1)} ms`);
  assert.equal(scores.length, 40);
  assert.ok(ms < 200, `40 poses took ${ms} ms`);
  const inter = vinaInterEnergy(sr, ligandXsTypes(m), poses[0]!);
  assert.ok(Math.abs(scores[0]! - vinaAffinity(inter, lig.rotatableBonds)) < 1e-12);
  // An explicit hydrogen, anywhere, changes nothing.
  const withH: Molecule = { ...m, atoms: [...m.atoms, { element: 'H', charge: 0 }], bonds: [...m.bonds, { a: 0, b: 31, order: 1 }] };
  const poseH = Float64Array.from([...poses[0]!, 10, 10, 10]);
  assert.ok(Math.abs(scorePoses(sr, withH, [poseH], lig.rotatableBonds)[0]! - scores[0]!) < 1e-9);
  assert.throws(() => scorePoses(sr, m, [poseH], 1), /96 coordinates for 31 ligand atoms/);
});

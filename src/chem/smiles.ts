/**
 * Molecules from SMILES with one 3-D conformer, by OpenChemLib: its SMILES parser, its
 * ConformerGenerator (torsions from a crystal-structure torsion library, seeded), then an MMFF94s+
 * minimisation where MMFF94 has parameters for every atom.
 */
import { ConformerGenerator, ForceFieldMMFF94, Molecule as OclMolecule, Resources } from 'openchemlib';
import type { Atom, Bond, Molecule } from './molecule.js';

let resourcesRegistered = false;

/** Loads OpenChemLib's data files (torsion library, force-field tables) once. */
function registerResources(): void {
  if (resourcesRegistered) return;
  Resources.registerFromNodejs();
  resourcesRegistered = true;
}

/** OpenChemLib's error text without its Java class prefix ("Class$S19: SmilesParser: …" → "SmilesParser: …"). */
function reason(e: unknown): string {
  return String(e instanceof Error ? e.message : e).replace(/^(Error: )?Class\$\S+:\s*/, '');
}

/** The parsed SMILES, or an error naming it and why it is invalid. */
function parse(smiles: string): OclMolecule {
  let mol: OclMolecule;
  try {
    mol = OclMolecule.fromSmiles(smiles);
  } catch (e) {
    throw new Error(`invalid SMILES "${smiles}": ${reason(e)}`);
  }
  if (mol.getAllAtoms() === 0) throw new Error(`invalid SMILES "${smiles}": no atoms`);
  const fragments = mol.getFragments().length;
  if (fragments > 1) throw new Error(`invalid SMILES "${smiles}": ${fragments} disconnected fragments (give one molecule, without salts)`);
  return mol;
}

/** Our molecule of an OpenChemLib one with 3-D coordinates; its delocalized bonds are already kekulized (orders 1–3). */
function fromOcl(mol: OclMolecule, title: string, props: Record<string, string>): Molecule {
  const n = mol.getAllAtoms();
  const atoms: Atom[] = [];
  const coords = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    atoms.push({ element: mol.getAtomLabel(i), charge: mol.getAtomCharge(i) });
    coords.set([mol.getAtomX(i), mol.getAtomY(i), mol.getAtomZ(i)], 3 * i);
  }
  const bonds: Bond[] = [];
  for (let k = 0; k < mol.getAllBonds(); k++) {
    const order = mol.getBondOrder(k);
    if (order !== 1 && order !== 2 && order !== 3) throw new Error(`SMILES "${title}": bond ${k + 1} has order ${order} (metal or dative bonds are not supported)`);
    bonds.push({ a: mol.getBondAtom(0, k), b: mol.getBondAtom(1, k), order });
  }
  if (!coords.every(Number.isFinite)) throw new Error(`SMILES "${title}": the conformer has non-finite coordinates`);
  return { title, atoms, bonds, coords, props };
}

/**
 * The molecule of `smiles` with hydrogens and one 3-D conformer (Å), the same for the same integer
 * `seed`. props.conformer says how it was made (whether MMFF94s+ minimised it).
 */
export function moleculeFromSmiles(smiles: string, seed: number): Molecule {
  if (!Number.isSafeInteger(seed)) throw new Error(`conformer seed ${seed} is not an integer`);
  registerResources();
  const mol = parse(smiles);
  const conformer = new ConformerGenerator(seed).getOneConformerAsMolecule(mol);
  if (conformer === null) throw new Error(`SMILES "${smiles}": OpenChemLib's ConformerGenerator found no 3-D conformer without clashes`);
  let method = 'OpenChemLib ConformerGenerator + MMFF94s+';
  try {
    new ForceFieldMMFF94(conformer, ForceFieldMMFF94.MMFF94SPLUS).minimise();
  } catch (e) {
    method = `OpenChemLib ConformerGenerator (no MMFF94 minimisation: ${reason(e)})`;
  }
  return fromOcl(conformer, smiles, { conformer: method });
}

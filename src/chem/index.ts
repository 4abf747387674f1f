/**
 * Molecules for docking, pure TypeScript: the molecule and receptor types, readers and writers
 * (SDF/Molfile, MOL2, PDBQT, PDB, mmCIF, SMILES via OpenChemLib), bonds from distances, Kekulé
 * structures, rings, rotatable bonds and torsions, heavy-atom automorphisms and symmetry-corrected
 * RMSD, Murcko scaffolds, and AutoDock Vina's X-Score atom types (Trott & Olson 2010).
 */
export * from './molecule.js';
export * from './elements.js';
export * from './bonds-from-distances.js';
export * from './sdf.js';
export * from './mol2.js';
export * from './pdb.js';
export * from './pdb-write.js';
export * from './pdbqt.js';
export * from './mmcif.js';
export * from './smiles.js';
export * from './read-ligand.js';
export * from './receptor.js';
export * from './kekulize.js';
export * from './rings.js';
export * from './torsions.js';
export * from './automorphisms.js';
export * from './rmsd.js';
export * from './scaffold.js';
export * from './xs-types.js';

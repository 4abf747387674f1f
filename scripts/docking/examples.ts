/**
 * Writes the docking examples a fresh clone can dock with (data/docking/examples/): HIV-1 protease
 * 1HPV's protein atoms (from pymol-data's tut/1hpv.pdb, ATOM records only) and its crystal ligand
 * amprenavir as SDF (heavy atoms, crystal pose, from the pose data set's crystal-478 record).
 *
 *   grep -E "^(HEADER|TITLE|COMPND|ATOM|TER|END)" /usr/share/pymol/data/tut/1hpv.pdb > data/docking/examples/1hpv-protein.pdb
 *   node --import tsx scripts/docking/examples.ts
 */
import { writeFileSync } from 'node:fs';
import { loadPoseSet } from '../../src/docking/dataset.js';
import { writeSdf } from '../../src/chem/sdf.js';

const rec = loadPoseSet('data/docking', { receptors: ['1HPV'] }).find((r) => r.id === 'crystal-478');
if (!rec?.crystal) throw new Error('data/docking/1HPV/crystal-478.json with its crystal pose is missing');
writeFileSync('data/docking/examples/amprenavir.sdf',
  writeSdf([{ ...rec.mol, title: 'amprenavir (1HPV crystal pose)', coords: rec.crystal, props: { smiles: rec.smiles } }]));
console.log('wrote data/docking/examples/amprenavir.sdf');

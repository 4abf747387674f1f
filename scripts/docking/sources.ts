/**
 * The receptors and ligands of the docking pose data set, all from Debian packages (see
 * scripts/setup-docking.sh): crystal complexes and 3-D ligand pools.
 */

const CALC_LIG_RMSD = "/usr/share/RDKit/Contrib/CalcLigRMSD/data";

/** A ligand to dock: where its 3-D molecule comes from. `index` is 1-based in a multi-molecule file. */
export interface LigandSource {
  id: string;
  source: "crystal" | "pool";
  file: string;
  index?: number;
  /**
   * For a crystal ligand in a PDB file without hydrogens: a PDB file of the same ligand with
   * hydrogens and the same atom names, whose bonds Open Babel perceives correctly (see
   * crystalFromTemplate in prepare.ts); the crystal file gives the coordinates.
   */
  template?: string;
}

/** A receptor: its PDB file, the crystal ligands that define the pocket, the pools docked into it, the box edge. */
export interface ReceptorSource {
  name: string;
  pdb: string;
  crystal: LigandSource[];
  pools: Array<{ name: string; file: string }>;
  /**
   * Cubic box edge in Å, centred on the crystal ligands' centroid: the crystal ligands' largest
   * extent along x, y or z plus about 3 Å each side, so any pose of them (and of pool ligands of
   * similar size) fits with room to move. generate.ts prints the extent.
   */
  boxSize: number;
}

/**
 * The crystal ligands near 2C6E's ATP pocket in CalcLigRMSD's data (its example notebook says where
 * each comes from): JVE (4UZH), N15 (3W2C), AKI (3M11), SKE (5DT0, aligned onto 2C6E; the file
 * `1C9_renamed.pdb` holds a second SKE pose, id crystal-SKE-2) and ACP (6C83 chain A, aligned).
 * Open Babel misreads the bond orders of N15, AKI, SKE and ACP from their bare heavy atoms, so
 * these take their chemistry from the docked files with hydrogens of the same ligands
 * (`docked_2c6e_CODE_pH74_netcharge1.pdb`, same atom names); JVE reads correctly as it is.
 */
const crystal2C6E: LigandSource[] = [
  ["crystal-JVE", "JVE", undefined],
  ["crystal-N15", "N15", "N15"],
  ["crystal-AKI", "AKI", "AKI"],
  ["crystal-SKE", "SKE", "SKE"],
  ["crystal-ACP", "ACP", "ACP"],
  ["crystal-SKE-2", "1C9", "SKE"],
].map(([id, file, template]) => ({
  id: id!,
  source: "crystal",
  file: `${CALC_LIG_RMSD}/${file}_renamed.pdb`,
  ...(template ? { template: `${CALC_LIG_RMSD}/docked_2c6e_${template}_pH74_netcharge1.pdb` } : {}),
}));

/**
 * Aurora A (2C6E, a kinase) gets the kinase-inhibitor pools cdk2 and egfr; HIV protease (1HPV)
 * gets the benzodiazepine-receptor pool bzr (small drug-like molecules that are not kinase
 * inhibitors; none of the pools holds protease inhibitors, so its modes are poses of non-binders
 * in a real pocket, beside the crystal ligand amprenavir).
 */
export const RECEPTORS: ReceptorSource[] = [
  {
    name: "2C6E",
    pdb: `${CALC_LIG_RMSD}/aurka_protein_2c6e.pdb`,
    crystal: crystal2C6E,
    pools: [
      { name: "cdk2", file: "/usr/share/RDKit/Contrib/Fastcluster/testdata/cdk2.sdf" },
      { name: "egfr", file: "/usr/share/RDKit/Contrib/PBF/testData/egfr.sdf" },
    ],
    boxSize: 26,
  },
  {
    name: "1HPV",
    pdb: "/usr/share/pymol/data/tut/1hpv.pdb",
    crystal: [{ id: "crystal-478", source: "crystal", file: "/usr/share/doc/pdb2pqr/examples/ligands/LIG_1HPV.mol2" }],
    pools: [{ name: "bzr", file: "/usr/share/RDKit/Projects/DbCLI/testData/bzr.sdf" }],
    boxSize: 24,
  },
];

/**
 * Docking (DiffDock, Corso et al., ICLR 2023): molecules to the score network's graphs, the
 * E(3)-equivariant score network and its construction from a config, docking a ligand (sampling and
 * ranking poses), the pose data set and its complexes, and AutoDock Vina's scoring function
 * (Trott & Olson 2010) for ranking. The pose maths is in src/pose/, the molecules in src/chem/.
 */
export * from './featurize.js';
export * from './graph.js';
export * from './score-net.js';
export * from './model.js';
export * from './dock.js';
export * from './complexes.js';
export * from './dataset.js';
export * from './vina-score.js';

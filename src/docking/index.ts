/**
 * Docking (DiffDock, Corso et al., ICLR 2023): molecules to the score network's graphs, the
 * E(3)-equivariant score network and its construction from a config, DisCo-DiffDock's pointer
 * latents (Xu et al. 2024: encoder, conditioning, autoregressive prior), docking a ligand (sampling and
 * ranking poses, refining them on Vina's energy), the pose data set and its complexes, and AutoDock Vina's scoring function
 * (Trott & Olson 2010) for ranking. The pose maths is in src/pose/, the molecules in src/chem/.
 */
export * from './featurize.js';
export * from './graph.js';
export * from './score-net.js';
export * from './model.js';
export * from './pointers.js';
export * from './latent-conditioning.js';
export * from './latent-encoder.js';
export * from './latent-prior.js';
export * from './dock.js';
export * from './refine.js';
export * from './complexes.js';
export * from './dataset.js';
export * from './vina-score.js';

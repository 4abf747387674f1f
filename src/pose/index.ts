/**
 * Diffusion over ligand poses (DiffDock, Corso et al., ICLR 2023), pure TypeScript on Float64Array:
 * the σ schedules, IGSO(3) on SO(3) (Nikolayev & Savyolov 1970; Leach et al. 2022), the wrapped
 * normal on the torus (torsional diffusion, Jing et al., NeurIPS 2022), rigid motions, the pose
 * update, the forward process and its score targets, the loss, the reverse-time sampler and the
 * seeded random stream. The score network is in src/docking/.
 */
export * from './schedule.js';
export * from './so3.js';
export * from './torus.js';
export * from './rigid.js';
export * from './update.js';
export * from './forward.js';
export * from './loss.js';
export * from './sampler.js';
export * from './random.js';

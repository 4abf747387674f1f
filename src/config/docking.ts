/**
 * The docking run configuration (a file with `domain: docking`): the pose data set, the score
 * network, the pose diffusion's σ ranges, the pointer latents, training and sampling. The one place for the docking
 * defaults; they follow DiffDock (Corso et al., ICLR 2023) and DisCo-DiffDock-S (Xu et al. 2024)
 * where those give them, at a size that trains on a CPU.
 */
import { z } from 'zod';
import { LIMITS } from './schema.js';
import { int, pos, posInt, upTo } from './numbers.js';


/** The pose data set made by scripts/docking/generate.ts (data/docking/RECORD.md). */
export const DockingDataConfig = z.strictObject({
  /** The data set's folder; a relative path not found from the working directory is looked up in the package (which ships data/docking). */
  dir: z.string().default('data/docking'),
  /** Receptors to use (folder names under `dir`); empty = all. */
  receptors: z.array(z.string()).default([]),
  /** Share of ligand scaffolds held out for the test split (crystal ligands are always test). */
  testFraction: z.number().min(0).max(1).default(0.2),
  splitSeed: int.nonnegative().max(LIMITS.seed).default(0),
  /** Use only the first `limit` training ligands of each receptor (0 = all): quick runs and CI. */
  limit: int.nonnegative().default(0),
});

/** The E(3)-equivariant score network (src/docking/score-net.ts). */
export const DockingModelConfig = z.strictObject({
  hidden: posInt.default(64),
  layers: posInt.default(4),
  /** Radial basis functions of the edge lengths. */
  rbf: posInt.default(32),
  /** Sinusoidal features of the time t. */
  timeFeatures: posInt.default(32),
  /** Initial learned scale of each output (tr, rot, tor). */
  outputScale: pos.default(0.1),
  /** Range of the radial basis of ligand atom pairs (Å). */
  ligCutoff: pos.default(15),
  /** Receptor–receptor edges: residues within this distance (Å), at most `recNeighbours` per residue. */
  recCutoff: pos.default(15),
  recNeighbours: posInt.default(24),
  /** Ligand–residue edges within crossCutoff + 3·σ_tr(t) Å (DiffDock's dynamic cutoff), at most `crossNeighbours` per ligand atom. */
  crossCutoff: pos.default(20),
  crossNeighbours: posInt.default(24),
});

/**
 * The pose diffusion: σ(t) = σ_min^(1−t) σ_max^t for translation (Å), rotation and torsions (rad),
 * DisCo-DiffDock-S's ranges by default; t drawn uniformly in training or from Beta(2, 1).
 */
export const PoseDiffusionConfig = z.strictObject({
  trSigmaMin: pos.default(0.1),
  trSigmaMax: pos.default(19),
  rotSigmaMin: pos.default(0.03),
  rotSigmaMax: pos.default(1.55),
  torSigmaMin: pos.default(0.03),
  torSigmaMax: pos.default(3.14),
  tDistribution: z.enum(['uniform', 'beta21']).default('uniform'),
}).refine((d) => d.trSigmaMin < d.trSigmaMax, { path: ['trSigmaMin'], message: 'must be below diffusion.trSigmaMax' })
  .refine((d) => d.rotSigmaMin < d.rotSigmaMax, { path: ['rotSigmaMin'], message: 'must be below diffusion.rotSigmaMax' })
  .refine((d) => d.torSigmaMin < d.torSigmaMax, { path: ['torSigmaMin'], message: 'must be below diffusion.torSigmaMax' });

/** Training of the score network. */
export const DockingTrainConfig = z.strictObject({
  steps: upTo(LIMITS.trainSteps).default(4000),
  /** Complexes per step. */
  batch: upTo(LIMITS.batch).default(8),
  lr: pos.default(1e-3),
  warmupSteps: int.nonnegative().default(100),
  emaDecay: z.number().min(0).lt(1).default(0.999),
  emaRampup: z.number().min(0).default(0.05),
  gradClip: pos.nullable().default(10),
  seed: int.nonnegative().max(LIMITS.seed, { error: `must be at most ${LIMITS.seed}` }).default(0),
  logEvery: posInt.default(50),
  checkpointEvery: posInt.default(500),
  threads: posInt.nullable().default(null),
});

/** Sampling and ranking of poses (`dock`, `eval`). */
export const DockingSampleConfig = z.strictObject({
  /** Poses per complex (DiffDock: 40). */
  n: upTo(LIMITS.samples).default(40),
  /** Reverse-time steps from t = 1 to 0 (DiffDock: 20). */
  steps: upTo(LIMITS.sampleSteps).default(20),
  /** 'sde': Euler–Maruyama on the reverse SDE (DiffDock); 'ode': the probability-flow ODE. */
  sampler: z.enum(['sde', 'ode']).default('sde'),
  /**
   * How the top-1 is chosen: 'vina' (Vina's scoring function, src/docking/vina-score.ts), 'density'
   * (the pose with most other samples within 2 Å, ties by Vina score) or 'none' (sample order).
   */
  ranker: z.enum(['vina', 'density', 'none']).default('vina'),
  /**
   * BFGS iterations of local refinement of every sampled pose on Vina's energy before ranking
   * (src/docking/refine.ts; AutoDock Vina's local search); 0 = the poses as sampled (DiffDock's form).
   * Refined, the DM's top-1 went from 0.05 to 0.38 on the test split (docs/docking.md).
   */
  refine: int.nonnegative().max(10_000).default(60),
  /** Poses per network call. */
  batch: upTo(LIMITS.batch).default(40),
});

/** The prior over the pointer latents (src/docking/latent-prior.ts), fitted by Stage II (src/train/docking-prior.ts). */
export const DockingPriorConfig = z.strictObject({
  /** Width of the prior's MLPs. */
  hidden: posInt.default(64),
  /** Hidden layers of its per-latent MLP. */
  layers: posInt.default(2),
  steps: upTo(LIMITS.trainSteps).default(2000),
  /** Complexes per step. */
  batch: upTo(LIMITS.batch).default(8),
  lr: pos.default(1e-3),
  /**
   * Scale s of the prior's logits when sampling, softmax(s·ℓ): the paper's exp(−1.5) ≈ 0.2231, a
   * temperature of e^1.5 that flattens the fitted prior. (Not a temperature: s < 1 flattens.)
   */
  logitScale: pos.default(0.2231),
});

/**
 * DisCo-DiffDock's pointer latents (Xu et al. 2024): each latent picks one node of its complex (a
 * ligand atom or a residue). An encoder that sees the true pose gives them to the score network,
 * trained jointly on the denoising loss; a prior fitted afterwards draws them when docking.
 */
export const DockingLatentsConfig = z.strictObject({
  /** false: the DM (no latents). */
  enabled: z.boolean().default(false),
  /** Pointer latents per complex (paper: 2). */
  m: upTo(LIMITS.latents).default(2),
  /** Gumbel-Softmax temperature in training, hard straight-through samples (paper: 1). */
  tau: pos.default(1),
  /** Latent dropout per complex to the learned unconditional embeddings (paper: 0.1). */
  dropout: z.number().min(0).max(1).default(0.1),
  /** Rounds of message passing of the encoder (src/docking/latent-encoder.ts; its width is model.hidden). DisCo-DiffDock-S: 3. */
  encoderLayers: posInt.default(3),
  /**
   * With a length s (Å), each residue's pointer logits start from −d²/(2s²), d the distance of its Cα
   * to the nearest ligand atom at the true pose, so the pointers begin on the residues the pose
   * touches and z says where the ligand lies from the first step. null: the paper's form (the
   * encoder alone; its pointers start near uniform over the complex's nodes).
   */
  contactReach: pos.nullable().default(null),
  /**
   * A direct path from z to the pose (not in the paper): the translation score gains a learned,
   * time-dependent pull towards the nodes the pointers pick (src/docking/latent-conditioning.ts
   * PointerPull), zero at the start. false: the paper's form (z only as node and edge inputs).
   */
  pull: z.boolean().default(false),
  prior: DockingPriorConfig.default(DockingPriorConfig.parse({})),
});

/** A whole docking run's config. */
export const DockingConfig = z.strictObject({
  domain: z.literal('docking'),
  name: z.string().default('dock'),
  data: DockingDataConfig.default(DockingDataConfig.parse({})),
  model: DockingModelConfig.default(DockingModelConfig.parse({})),
  diffusion: PoseDiffusionConfig.default(PoseDiffusionConfig.parse({})),
  latents: DockingLatentsConfig.default(DockingLatentsConfig.parse({})),
  train: DockingTrainConfig.default(DockingTrainConfig.parse({})),
  sample: DockingSampleConfig.default(DockingSampleConfig.parse({})),
  /** cpu | cuda */
  device: z.string().default('cpu'),
});

/** A validated docking run config. */
export type DockingConfig = z.infer<typeof DockingConfig>;
/** A validated `data` section of a docking config. */
export type DockingDataConfig = z.infer<typeof DockingDataConfig>;
/** A validated `train` section of a docking config. */
export type DockingTrainConfig = z.infer<typeof DockingTrainConfig>;
/** A validated `diffusion` section of a docking config. */
export type PoseDiffusionConfig = z.infer<typeof PoseDiffusionConfig>;
/** A validated `model` section of a docking config. */
export type DockingModelConfig = z.infer<typeof DockingModelConfig>;
/** A validated `sample` section of a docking config. */
export type DockingSampleConfig = z.infer<typeof DockingSampleConfig>;
/** A validated `latents` section of a docking config. */
export type DockingLatentsConfig = z.infer<typeof DockingLatentsConfig>;
/** A validated `latents.prior` section of a docking config. */
export type DockingPriorConfig = z.infer<typeof DockingPriorConfig>;

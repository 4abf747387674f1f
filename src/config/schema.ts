/**
 * The run configuration: one JSON (or YAML) file validated here. Unknown keys and bad values are
 * errors that name the key. Defaults follow the paper (method.md) where it gives them.
 */
import { z } from 'zod';

const pos = z.number().positive();
const int = z.number().int();
const posInt = int.positive();

/** The training data: a 2-D toy set, Fashion-MNIST or a folder of images. */
export const DataConfig = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('toy'),
    /** 8gaussians | grid | moons | checkerboard | spirals */
    name: z.string().default('8gaussians'),
    n: posInt.default(8000),
  }),
  z.strictObject({
    kind: z.literal('fashion-mnist'),
    /** Folder holding the IDX files (Debian's dataset-fashion-mnist by default). */
    root: z.string().default('/usr/share/datasets/fashion-mnist'),
    resolution: posInt.default(32),
    flip: z.boolean().default(false),
    /** Condition on the 10 class labels. */
    useLabels: z.boolean().default(false),
    /** Use only the first `limit` training images (0 = all). */
    limit: int.nonnegative().default(0),
  }),
  z.strictObject({
    kind: z.literal('image-folder'),
    path: z.string(),
    resolution: posInt.default(32),
    channels: z.union([z.literal(1), z.literal(3)]).default(3),
    flip: z.boolean().default(false),
  }),
]);

/** The denoiser's network: the 2-D MLP or the U-Net. */
export const ModelConfig = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('mlp'),
    hidden: posInt.default(256),
    /** Number of linear layers of the denoiser MLP (paper: 4). */
    layers: posInt.default(4),
    /** Width of the noise and latent embeddings. */
    embDim: posInt.default(64),
    /** Reparameterise D with an analytic Gaussian per latent (App. F). */
    analyticGaussian: z.boolean().default(true),
    /**
     * What the MLP H sees of the latents: 'embedding' (each code's embedding), 'presence' (only
     * whether latents are present or dropped; z reaches D through its per-code centre alone) or
     * 'none' (the paper's App. F form, H(x, t)). Default 'presence': with 'embedding' codes encode
     * detail inside a mode (bench/toy-seeds: 54/56/30% purity); 'presence' lets H be the
     * unconditional correction for dropped latents and ≈ 0 for the rest; against 'none' (10 seeds,
     * other defaults on) it keeps curvature below the DM's at 92% of σ (min 90%) vs 89% (min 66%).
     */
    latentInput: z.enum(['embedding', 'presence', 'none']).default('presence'),
  }),
  z.strictObject({
    kind: z.literal('unet'),
    channels: posInt.default(64),
    channelMult: z.array(posInt).nonempty().default([1, 2, 2]),
    numBlocks: posInt.default(2),
    attnResolutions: z.array(posInt).default([16]),
    dropout: z.number().min(0).max(1).default(0.1),
    heads: posInt.default(4),
    /**
     * EDM's head count: channels // channelsPerHead heads per attention layer (EDM: 64; a layer
     * with fewer channels has no self-attention, as in EDM). null = `heads` everywhere.
     */
    channelsPerHead: posInt.nullable().default(null),
    /** Frequencies of the noise embedding: 'low' (geometric 1…16) or 'edm' (EDM's 1…10⁻⁴). */
    noiseFrequencies: z.enum(['low', 'edm']).default('low'),
    /** Width of the latent embeddings and of the small Transformer over them. */
    latentDim: posInt.default(128),
    latentLayers: int.nonnegative().default(2),
    /**
     * Group-hierarchical latents: sizes of the latent groups (sum = m), each fed only to the
     * cross-attention of one resolution of the up path (lowest resolution first). Empty = off.
     */
    latentGroups: z.array(posInt).default([]),
    /**
     * The skip term of the preconditioning is the exact denoiser of one Gaussian N(μ_z, s_z² I) per
     * code, averaged over the latents, as the paper's App. F does for 2-D data
     * (src/disco/gaussian-skip.ts); centres and scales follow the codebook options of `latents`.
     * false = EDM's c_skip·x and z only through cross-attention (the paper's image models).
     * Fashion-MNIST, 300 steps from scratch (bench/latent-diagnostics, loss at σ = 2.6 / 50 on the
     * probe): through cross-attention alone the codes were worth nothing yet (with z 0.47 / 1.43,
     * with the null embedding 0.47 / 1.46; EDM 0.51 / 1.32); with this skip 0.39 / 0.68 (null
     * 0.56 / 1.97), below even a class-conditional EDM (0.46 / 0.93). The configs for images set it.
     */
    analyticGaussian: z.boolean().default(false),
    /**
     * With `analyticGaussian`: a zero-initialised conv of the codes' centre image
     * mean_i μ_{z_i} / σ_data (zeros where z is dropped) joins the U-Net's first conv, so F sees at
     * full resolution what the skip pulls x toward and can undo that pull at low σ. Off = F learns
     * the centre only from z through cross-attention. Fashion-MNIST, 300 steps, seeds 0 / 1
     * (bench/latent-diagnostics): loss at σ = 0.36 0.172 / 0.181 vs 0.204 / 0.198 without (EDM
     * 0.177), but at σ = 50 0.608 / 0.714 vs 0.635 / 0.663; off until a bench/images run decides.
     */
    centreInput: z.boolean().default(false),
  }),
]);

/** DisCo-Diff's discrete latents and their training remedies. */
export const LatentConfig = z.strictObject({
  /** false = the plain EDM baseline (same network, latents off). */
  enabled: z.boolean().default(true),
  m: posInt.default(1),
  k: posInt.default(8),
  /** Gumbel-Softmax temperature during training (paper: 1, constant). */
  tau: pos.default(1),
  /** Straight-through hard samples (one-hot forward, soft gradient). */
  hard: z.boolean().default(true),
  /**
   * Scale of the Gumbel noise in the training samples: 1 = categorical samples z ~ softmax(logits)
   * (the paper); 0 = the argmax code with a straight-through gradient, i.e. the codes Stage II
   * extracts. Fashion-MNIST (seed 0, 300 steps, bench/latent-diagnostics): while the encoder is
   * unsure (max p ≈ 0.05) a sampled code is mostly noise; argmax codes gave 1–3% lower training
   * loss in every σ bin ≥ 0.2 (one seed: not a default).
   */
  gumbelNoise: z.number().min(0).max(1).default(1),
  /** Latent dropout to the learned null embedding (paper: 0.1). */
  dropout: z.number().min(0).max(1).default(0.1),
  /**
   * Gumbel temperature at the end of training: τ anneals geometrically from `tau` to `tauEnd`
   * over train.steps (Jang et al.; DALL-E's dVAE). null = constant τ (the paper).
   */
  tauEnd: pos.nullable().default(null),
  /**
   * Weight λ of the batch-perplexity diversity loss λ·(k − exp H(p̄))/k, p̄ the batch mean of the
   * encoder's softmax per latent (wav2vec 2.0). 0 = off (the paper).
   */
  diversity: z.number().min(0).default(0),
  /**
   * Weight λ of the per-sample entropy E_y H(p(z | y))/ln k (MAGVIT-v2's lookup-free quantiser
   * loss). With `diversity` it maximises the information the codes carry about the data: diversity
   * alone is also minimised by a uniform p(z | y) for every y, i.e. codes that are pure noise.
   * 0 = off (the paper).
   */
  sampleEntropy: z.number().min(0).default(0),
  /**
   * Initial per-code centres of an analytic-Gaussian denoiser: 'random' (N(0, σ_data²), the paper)
   * or 'kmeans' (k-means++ and Lloyd on up to 4096 training points: data-dependent
   * initialisation) or 'encoder' (each code's centre and scale are the mean and spread of the
   * training points that the initialised encoder assigns to it: for images, with
   * encoder.headInit 'kmeans'). Default 'kmeans': measured in bench/toy-seeds (README "Latents that
   * learn"); k-means on pixels is for low-dimensional data, so image models need 'encoder' or 'random'.
   */
  centreInit: z.enum(['random', 'kmeans', 'encoder']).default('kmeans'),
  /**
   * Code restarts for analytic-Gaussian denoisers, every this many steps (0 = off, the paper): a
   * dead code is re-seeded at a badly served data point, and when splitting the worst-served code
   * gains more than merging the closest pair of codes costs, the pair is merged and the freed code
   * split off (src/disco/codebook.ts). Default 100: measured in bench/toy-seeds.
   */
  restartEvery: int.nonnegative().default(100),
  /** Restarts stop after this fraction of train.steps, so the partition settles. */
  restartUntil: z.number().min(0).max(1).default(0.5),
  /**
   * How an analytic-Gaussian denoiser learns each code's centre and scale: 'gradient' (with the
   * rest of the network, the paper) or 'ema' (an exponential moving average, decay `centreDecay`,
   * of the mean and spread of the training points the encoder assigns to the code, as VQ-VAE's
   * EMA codebook). Default 'ema': measured in bench/toy-seeds; by gradient, a code's scale can stay
   * far from its data's (0.69 vs 0.2) while the z-blind MLP compensates, which leaves off-mode mass.
   */
  centreUpdate: z.enum(['gradient', 'ema']).default('ema'),
  centreDecay: z.number().min(0).lt(1).default(0.99),
  /**
   * The EMA refit starts after this many steps: until then the centres keep their
   * initialisation while the encoder learns to route points to them (a refit to the assignments
   * of an untrained encoder pulls centres towards the data mean). Default 0: 200 helped the 5×5
   * grid (k = 25, purity 57% → 69–77%) but lowered the share of σ where 8 Gaussians' curvature beats
   * the DM's from 90–94% to 84% (3 seeds).
   */
  refitAfter: int.nonnegative().default(0),
});

/** The latent encoder: an MLP (2-D data) or a ViT (images). */
export const EncoderConfig = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mlp'), hidden: posInt.default(256), layers: posInt.default(3) }),
  z.strictObject({
    kind: z.literal('vit'),
    patch: posInt.default(4),
    dim: posInt.default(128),
    depth: posInt.default(4),
    heads: posInt.default(4),
    /**
     * One logits head per latent token instead of one shared head. Fashion-MNIST (seed 0, 300
     * steps, bench/latent-diagnostics): redundancy between latents (mean pairwise NMI of their codes)
     * 0.64 vs 0.75 shared, same loss per σ; off by default.
     */
    headPerLatent: z.boolean().default(false),
    /**
     * How the per-latent heads start: 'random' (nn.Linear's init, the paper) or 'kmeans' (each
     * latent's codes are k-means clusters of the encoder's features of 2048 training images, with
     * the logits scaled to a mean max probability of 0.5; src/disco/head-init.ts). 'kmeans' needs
     * headPerLatent.
     */
    headInit: z.enum(['random', 'kmeans']).default('random'),
  }).refine((e) => e.headInit !== 'kmeans' || e.headPerLatent, { message: "encoder.headInit 'kmeans' needs encoder.headPerLatent: true" }),
]);

/** EDM's σ_data, training σ distribution and objective. */
export const EDMConfig = z.strictObject({
  /** σ_data; null = measured from the training data (std of all coordinates). */
  sigmaData: pos.nullable().default(null),
  /**
   * Training objective for the same network and preconditioning (src/edm/loss.ts): 'edm' (λ(σ) and
   * ln σ ~ N(pMean, pStd²)) or 'vdmpp' (Kingma & Gao 2023: sigmoid weighting on the log-SNR with
   * shift `sigmoidBias`, σ drawn from its variance-reducing density; pMean/pStd unused).
   */
  objective: z.enum(['edm', 'vdmpp']).default('edm'),
  pMean: z.number().default(-1.2),
  pStd: pos.default(1.2),
  /** VDM++ shift b of w(l) = sigmoid(b − l), l = −2 ln σ the log-SNR. */
  sigmoidBias: z.number().default(2),
});

/** Stage-I training: steps, batch, optimizer, EMA, logging and checkpoints. */
export const TrainConfig = z.strictObject({
  steps: posInt.default(4000),
  batch: posInt.default(512),
  lr: pos.default(1e-3),
  warmupSteps: int.nonnegative().default(100),
  emaDecay: z.number().min(0).lt(1).default(0.999),
  /**
   * EDM's EMA warm-up ratio: the EMA half-life is at most this fraction of the steps done, so short
   * runs are not averaged with their random initialisation (decay 0.998 keeps 49% of it after 360
   * steps). 0 = constant decay.
   */
  emaRampup: z.number().min(0).default(0.05),
  gradClip: pos.nullable().default(null),
  seed: int.nonnegative().default(0),
  logEvery: posInt.default(50),
  checkpointEvery: posInt.default(1000),
  /** Intra-op threads; null = DISCO_THREADS, else every core this process may use (src/engine/cores.ts). */
  threads: posInt.nullable().default(null),
  /**
   * Element type of the weights and data during training. float64 is for exactness checks (a
   * data-parallel run against one process, test/parallel); sampling and evaluation cast to float32.
   */
  dtype: z.enum(['float32', 'float64']).default('float32'),
  /**
   * The encoder's learning rate as a fraction of `lr` (1 = one Adam over everything, the paper).
   * configs/fmnist-disco.yaml uses 0.1: with k-means heads at full lr, 3 and 6 of 10 latents
   * collapsed within 10 minutes (seeds 0, 1); at 0.1 none did (perplexity 67–84) and FD fell from
   * 281.8 / 324.8 to 249.2 / 255.5 (bench/results/images-enclr.json).
   */
  encoderLrScale: pos.default(1),
});

/** Stage II: the autoregressive prior and its training. */
export const PriorConfig = z.strictObject({
  layers: posInt.default(2),
  dim: posInt.default(64),
  heads: posInt.default(4),
  steps: posInt.default(1500),
  batch: posInt.default(256),
  lr: pos.default(1e-3),
  /** Train on the encoder's soft probabilities instead of argmax codes. */
  softTargets: z.boolean().default(false),
  /** Sampling temperature. */
  temperature: pos.default(1),
}).refine((p) => p.dim % p.heads === 0, { path: ['heads'], message: 'must divide prior.dim' });

/** One interval of the Restart sampler (src/edm/samplers.ts). */
export const RestartIntervalConfig = z.strictObject({
  /** t_min snaps to the nearest interior σ of the main grid. */
  tMin: pos,
  tMax: pos,
  /** Number of restarts K. */
  K: int.nonnegative(),
  /** Heun steps per restart (the Restart code's N_Restart − 1). */
  steps: posInt,
}).refine((r) => r.tMin < r.tMax, { path: ['tMin'], message: 'must be below tMax' });

/** Sampling: σ grid, solver, Restart intervals and guidance. */
export const SampleConfig = z.strictObject({
  /** Main steps N (NFE: 2N − 1 for heun/stochastic, N for euler, plus Σ 2·K·steps for restart). */
  steps: posInt.default(50),
  sampler: z.enum(['heun', 'euler', 'stochastic', 'restart']).default('heun'),
  /**
   * The Restart sampler's intervals (Xu et al. 2023), used by sampler 'restart'. Default: the Restart
   * repository's single-interval example {"0": [3, 2, 0.06, 0.30]}, i.e. [0.06, 0.30], K = 2, 2 steps.
   */
  restart: z.array(RestartIntervalConfig).min(1).default([{ tMin: 0.06, tMax: 0.3, K: 2, steps: 2 }]),
  sigmaMin: pos.default(0.002),
  sigmaMax: pos.default(80),
  rho: pos.default(7),
  /** Guidance weight w on the latents (1 = plain conditional). */
  guidance: z.number().default(1),
}).refine((s) => s.sigmaMin < s.sigmaMax, { path: ['sigmaMin'], message: 'must be below sample.sigmaMax' });

/** A whole run's config; every section has defaults. */
export const RunConfig = z.strictObject({
  name: z.string().default('run'),
  data: DataConfig,
  model: ModelConfig,
  latents: LatentConfig.default(LatentConfig.parse({})),
  encoder: EncoderConfig.default({ kind: 'mlp', hidden: 256, layers: 3 }),
  edm: EDMConfig.default(EDMConfig.parse({})),
  train: TrainConfig.default(TrainConfig.parse({})),
  prior: PriorConfig.default(PriorConfig.parse({})),
  sample: SampleConfig.default(SampleConfig.parse({})),
  /** cpu | cuda */
  device: z.string().default('cpu'),
}).refine((c) => !(c.model.kind === 'unet' && c.model.analyticGaussian && c.latents.centreInit === 'kmeans'),
  { path: ['latents', 'centreInit'], message: "'kmeans' (on pixels) is for 2-D data; an analytic-Gaussian U-Net needs 'encoder' or 'random'" })
  .refine((c) => !(c.model.kind === 'unet' && c.model.centreInput && !(c.model.analyticGaussian && c.latents.enabled)),
    { path: ['model', 'centreInput'], message: 'needs model.analyticGaussian and latents.enabled' });

/** A validated run config. */
export type RunConfig = z.infer<typeof RunConfig>;
/** A validated `data` section. */
export type DataConfig = z.infer<typeof DataConfig>;
/** A validated `model` section. */
export type ModelConfig = z.infer<typeof ModelConfig>;
/** A validated `latents` section. */
export type LatentConfig = z.infer<typeof LatentConfig>;
/** A validated `encoder` section. */
export type EncoderConfig = z.infer<typeof EncoderConfig>;
/** A validated `prior` section. */
export type PriorConfig = z.infer<typeof PriorConfig>;
/** A validated `sample` section. */
export type SampleConfig = z.infer<typeof SampleConfig>;

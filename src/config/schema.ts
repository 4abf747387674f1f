/**
 * The run configuration: one JSON (or YAML) file validated here. Unknown keys and bad values are
 * errors that name the key. This is the one place for defaults: the networks, encoders and prior
 * take the resolved values. Defaults follow DisCo-Diff (Xu et al. 2024) and EDM (Karras et al.
 * 2022) where they give them; where ours deviate, docs/latents.md holds the measurements.
 */
import { z } from 'zod';
import { int, pos, posInt, upTo } from './numbers.js';

/**
 * Upper bounds of sizes and counts, far above what a run needs: beyond them memory or time would
 * run out before any result (the errors name the key or flag and the bound).
 */
export const LIMITS = {
  /** Seeds: libtorch's CPU generator (mt19937) keeps only a seed's low 32 bits (src/engine/random.ts). */
  seed: 2 ** 32 - 1,
  /** Sampler steps (EDM samples with 18–256), and restarts K and steps per Restart interval. */
  sampleSteps: 10_000,
  /** Training steps of Stage I and Stage II. */
  trainSteps: 1_000_000_000,
  /** Samples of one `sample` or `eval` command (they are drawn in batches and streamed to disk). */
  samples: 1_000_000_000,
  /** Training batch sizes, and the `--batch` of sampling. */
  batch: 1_048_576,
  /** Latents per sample (m) and codes per latent (k). */
  latents: 256,
  codes: 4096,
  /** Points of a 2-D toy set. */
  points: 100_000_000,
  /** Image side in pixels. */
  resolution: 1024,
  /** Coordinates per point of an array data set (the MLPs' input width; 65 536 = a 256² image). */
  dims: 65_536,
} as const;


/** A 2-D toy set (src/data/toy.ts). */
export const ToyDataConfig = z.strictObject({
  kind: z.literal('toy'),
  /** 8gaussians | weighted | elongated | grid | moons | checkerboard | spirals (src/data/toy.ts) */
  name: z.string().default('8gaussians'),
  n: upTo(LIMITS.points).default(8000),
});

/** Fashion-MNIST (src/data/fashion-mnist.ts). */
export const FashionMNISTDataConfig = z.strictObject({
  kind: z.literal('fashion-mnist'),
  /** Folder holding the IDX files (Debian's dataset-fashion-mnist by default). */
  root: z.string().default('/usr/share/datasets/fashion-mnist'),
  resolution: upTo(LIMITS.resolution).default(32),
  flip: z.boolean().default(false),
  /** Condition on the 10 class labels. */
  useLabels: z.boolean().default(false),
  /** Use only the first `limit` training images (0 = all). */
  limit: int.nonnegative().default(0),
});

/** A folder of PNG/JPEG images (src/data/image-folder.ts). */
export const ImageFolderDataConfig = z.strictObject({
  kind: z.literal('image-folder'),
  path: z.string(),
  resolution: upTo(LIMITS.resolution).default(32),
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  flip: z.boolean().default(false),
});

/**
 * A user's points, vectors of any dimension for the MLP models (src/data/array.ts). Paths are
 * relative to the working directory; the extension (.npy or .csv) gives the format.
 */
export const ArrayDataConfig = z.strictObject({
  kind: z.literal('array'),
  /** The points: .npy (float32 or float64, [N, D], 1 ≤ D ≤ LIMITS.dims) or .csv (one row per point, optional header row). */
  path: z.string().min(1),
  /**
   * Integer labels, one per point: .npy (int32 or int64, [N]) or .csv (one column). Used by the
   * analyses (as the toy sets' mixture components), never for conditioning. null = none.
   */
  labels: z.string().min(1).nullable().default(null),
});

/** The training data: a 2-D toy set, Fashion-MNIST, a folder of images or an array of points. */
export const DataConfig = z.discriminatedUnion('kind', [ToyDataConfig, FashionMNISTDataConfig, ImageFolderDataConfig, ArrayDataConfig]);

/** The 2-D MLP denoiser (DisCo-Diff (Xu et al. 2024), App. F): src/networks/mlp-denoiser.ts. */
export const MLPModelConfig = z.strictObject({
  kind: z.literal('mlp'),
  /** Width of the hidden layers. */
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
   * 'none' (the paper's App. F form, H(x, t)). Default 'presence': codes stay one per mode and
   * curvature stays below the DM's over more of σ (docs/latents.md, bench/results/toy-seeds-*.json).
   */
  latentInput: z.enum(['embedding', 'presence', 'none']).default('presence'),
  /**
   * Gaussians per code in the analytic skip: 1 is App. F's form; c > 1 makes each code's skip the
   * exact denoiser of a mixture of c Gaussians, refitted by EMA k-means over the points the code
   * holds, so a code that holds several modes (fewer codes than modes) is still denoised
   * analytically. Default 2: with 'full' covariances it holds every case of the toy suite
   * (src/disco/gaussian-skip.ts, docs/latents.md).
   */
  codeModes: posInt.default(2),
  /**
   * Each code's Gaussian in the analytic skip: 'isotropic' N(μ, s²I) (App. F's form) or 'full'
   * N(μ, Σ), whose exact denoiser μ + Σ(Σ + σ²I)⁻¹(x − μ) also fits anisotropic modes; Σ is
   * refitted by EMA like the centres (needs `latents.centreUpdate: ema`); with codeModes c > 1, each of
   * a code's c Gaussians has its own full covariance. Default 'auto': 'full' for data of at most
   * FULL_COVARIANCE_MAX_DIM dimensions whose codebook refits by EMA, else 'isotropic' (codeCovarianceFor;
   * docs/latents.md).
   */
  codeCovariance: z.enum(['auto', 'isotropic', 'full']).default('auto'),
});

/** The EDM U-Net with DisCo-Diff's cross-attention to the latents: src/networks/unet.ts. */
export const UNetModelConfig = z.strictObject({
  kind: z.literal('unet'),
  /** Base channel count (EDM's model_channels). */
  channels: posInt.default(64),
  /** Channel multiplier per resolution (EDM's channel_mult). */
  channelMult: z.array(posInt).nonempty().default([1, 2, 2]),
  /** Noise-embedding width = channels · channelMultEmb (EDM's channel_mult_emb). */
  channelMultEmb: posInt.default(4),
  /** Residual blocks per resolution. */
  numBlocks: posInt.default(2),
  /** Resolutions with self-attention (each followed by cross-attention to the latents). */
  attnResolutions: z.array(posInt).default([16]),
  /** Dropout probability inside the residual blocks. */
  dropout: z.number().min(0).max(1).default(0.1),
  /** Attention heads (self and cross), unless `channelsPerHead` is set. */
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
  /** Transformer blocks over the latent embeddings. */
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
   * false = EDM's c_skip·x and z only through cross-attention (the paper's image models). The
   * configs for images set it: the codes lower the loss from the first steps (docs/latents.md).
   */
  analyticGaussian: z.boolean().default(false),
  /**
   * With `analyticGaussian`: a zero-initialised conv of the codes' centre image
   * mean_i μ_{z_i} / σ_data (zeros where z is dropped) joins the U-Net's first conv, so F sees at
   * full resolution what the skip pulls x toward. Off until a bench/images run decides
   * (docs/latents.md, bench/results/latent-diagnostics-fmnist-centre-input-seed*.json).
   */
  centreInput: z.boolean().default(false),
});

/** The denoiser's network: the 2-D MLP or the U-Net. */
export const ModelConfig = z.discriminatedUnion('kind', [MLPModelConfig, UNetModelConfig]);

/** DisCo-Diff's discrete latents and their training remedies. */
export const LatentConfig = z.strictObject({
  /** false = the plain EDM baseline (same network, latents off). */
  enabled: z.boolean().default(true),
  m: upTo(LIMITS.latents).default(1),
  k: upTo(LIMITS.codes).default(8),
  /** Gumbel-Softmax temperature during training (paper: 1, constant). */
  tau: pos.default(1),
  /** Straight-through hard samples (one-hot forward, soft gradient). */
  hard: z.boolean().default(true),
  /**
   * Scale of the Gumbel noise in the training samples: 1 = categorical samples z ~ softmax(logits)
   * (the paper); 0 = the argmax code with a straight-through gradient, i.e. the codes Stage II
   * extracts (slightly lower loss on one seed, so not a default: docs/latents.md).
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
   * encoder.headInit 'kmeans'). Default 'kmeans' (docs/latents.md); k-means on pixels is for
   * low-dimensional data, so image models need 'encoder' or 'random'.
   */
  centreInit: z.enum(['random', 'kmeans', 'encoder']).default('kmeans'),
  /**
   * With centreInit 'kmeans': Adam steps that fit the encoder alone, before Stage I, to route each
   * training point to its k-means cluster (src/disco/codebook/route-init.ts); 0 = off (the paper's
   * start: a random encoder). Default 300: on the 5×5 grid a random encoder's codes died faster
   * than restarts revived them (docs/latents.md).
   */
  routeInit: int.nonnegative().default(300),
  /**
   * Code restarts for analytic-Gaussian denoisers, every this many steps (0 = off, the paper): a
   * dead code is re-seeded at a badly served data point, and when splitting the worst-served code
   * gains more than merging the closest pair of codes costs, the pair is merged and the freed code
   * split off (src/disco/codebook/restarts.ts). Default 100 (docs/latents.md).
   */
  restartEvery: int.nonnegative().default(100),
  /** Restarts stop after this fraction of train.steps, so the partition settles. */
  restartUntil: z.number().min(0).max(1).default(0.5),
  /**
   * How an analytic-Gaussian denoiser learns each code's centre and scale: 'gradient' (with the
   * rest of the network, the paper) or 'ema' (an exponential moving average, decay `centreDecay`,
   * of the mean and spread of the training points the encoder assigns to the code, as VQ-VAE's
   * EMA codebook). Default 'ema': by gradient a code's scale can stay far from its data's while
   * the z-blind MLP compensates, which leaves off-mode mass (docs/latents.md).
   */
  centreUpdate: z.enum(['gradient', 'ema']).default('ema'),
  centreDecay: z.number().min(0).lt(1).default(0.99),
  /**
   * The EMA refit starts after this many steps: until then the centres keep their
   * initialisation while the encoder learns to route points to them (a refit to the assignments
   * of an untrained encoder pulls centres towards the data mean). Default 0: a delay helps the
   * 5×5 grid but costs 8 Gaussians curvature (docs/latents.md).
   */
  refitAfter: int.nonnegative().default(0),
});

/** The 2-D latent encoder, an MLP on flattened data: src/networks/mlp-encoder.ts. */
export const MLPEncoderConfig = z.strictObject({
  kind: z.literal('mlp'),
  /**
   * Width of the hidden layers. Default 64 (App. F gives no width; ours was 256, as wide as the
   * denoiser): at 256 the encoder's forward and backward made a 2-D DisCo-Diff step 1.6× the
   * DM's, and routing points to a few codes needs far less (docs/latents.md).
   */
  hidden: posInt.default(64),
  /** Number of linear layers (paper: 3). */
  layers: posInt.default(3),
});

/** The image encoder, a ViT with one token per latent: src/networks/vit-encoder.ts. */
export const ViTEncoderConfig = z.strictObject({
  kind: z.literal('vit'),
  /** Patch size (paper: 8 at 64 px). */
  patch: posInt.default(4),
  /** Token width (paper: 768). */
  dim: posInt.default(128),
  /** Transformer blocks (paper: 12). */
  depth: posInt.default(4),
  /** Attention heads (paper: 12). */
  heads: posInt.default(4),
  /**
   * One logits head per latent token instead of one shared head: less redundancy between the
   * latents' codes at the same loss (bench/results/latent-diagnostics-fmnist-head-per-latent.json);
   * off by default.
   */
  headPerLatent: z.boolean().default(false),
  /**
   * How the per-latent heads start: 'random' (nn.Linear's init, the paper) or 'kmeans' (each
   * latent's codes are k-means clusters of the encoder's features of 2048 training images, with
   * the logits scaled to a mean max probability of 0.5; src/disco/codebook/head-init.ts). 'kmeans'
   * needs headPerLatent.
   */
  headInit: z.enum(['random', 'kmeans']).default('random'),
}).refine((e) => e.headInit !== 'kmeans' || e.headPerLatent, { message: "encoder.headInit 'kmeans' needs encoder.headPerLatent: true" });

/** The latent encoder: an MLP (2-D data) or a ViT (images). */
export const EncoderConfig = z.discriminatedUnion('kind', [MLPEncoderConfig, ViTEncoderConfig]);

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
  steps: upTo(LIMITS.trainSteps).default(4000),
  batch: upTo(LIMITS.batch).default(512),
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
  /** 0 … 2³² − 1 (LIMITS.seed). */
  seed: int.nonnegative().max(LIMITS.seed, { error: `must be at most ${LIMITS.seed}` }).default(0),
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
   * configs/fmnist-disco.yaml uses 0.1: at full lr latents with k-means heads collapsed
   * (bench/results/images-enclr.json).
   */
  encoderLrScale: pos.default(1),
});

/** Stage II: the autoregressive prior and its training. */
export const PriorConfig = z.strictObject({
  /** Transformer blocks of the prior (src/disco/prior.ts). */
  layers: posInt.default(2),
  /** Token width. */
  dim: posInt.default(64),
  /** Attention heads (divides `dim`). */
  heads: posInt.default(4),
  steps: upTo(LIMITS.trainSteps).default(1500),
  batch: upTo(LIMITS.batch).default(256),
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
  K: int.nonnegative().max(LIMITS.sampleSteps, { error: `must be at most ${LIMITS.sampleSteps}` }),
  /** Heun steps per restart (the Restart code's N_Restart − 1). */
  steps: upTo(LIMITS.sampleSteps),
}).refine((r) => r.tMin < r.tMax, { path: ['tMin'], message: 'must be below tMax' });

/** Sampling: σ grid, solver, Restart intervals and guidance. */
export const SampleConfig = z.strictObject({
  /** Main steps N (NFE: 2N − 1 for heun/stochastic, N for euler, plus Σ 2·K·steps for restart). */
  steps: upTo(LIMITS.sampleSteps).default(50),
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
  encoder: EncoderConfig.default(MLPEncoderConfig.parse({ kind: 'mlp' })),
  edm: EDMConfig.default(EDMConfig.parse({})),
  train: TrainConfig.default(TrainConfig.parse({})),
  prior: PriorConfig.default(PriorConfig.parse({})),
  sample: SampleConfig.default(SampleConfig.parse({})),
  /** cpu | cuda */
  device: z.string().default('cpu'),
}).refine((c) => !(c.model.kind === 'unet' && c.model.analyticGaussian && c.latents.centreInit === 'kmeans'),
  { path: ['latents', 'centreInit'], message: "'kmeans' (on pixels) is for 2-D data; an analytic-Gaussian U-Net needs 'encoder' or 'random'" })
  .refine((c) => !(c.model.kind === 'unet' && c.model.centreInput && !(c.model.analyticGaussian && c.latents.enabled)),
    { path: ['model', 'centreInput'], message: 'needs model.analyticGaussian and latents.enabled' })
  .refine((c) => !(c.model.kind === 'mlp' && c.model.codeCovariance === 'full' && c.latents.centreUpdate !== 'ema'),
    { path: ['model', 'codeCovariance'], message: "'full' needs latents.centreUpdate 'ema' (with 'gradient', set model.codeCovariance: isotropic)" });

/** Data dimensions up to which codeCovariance 'auto' is 'full': each code then holds a d×d Σ, decomposed every step. */
export const FULL_COVARIANCE_MAX_DIM = 64;

/** The covariance form of an MLP run's codes on data of `dim` dimensions, 'auto' resolved. */
export function codeCovarianceFor(model: MLPModelConfig, latents: LatentConfig, dim: number): 'isotropic' | 'full' {
  if (model.codeCovariance !== 'auto') return model.codeCovariance;
  return dim <= FULL_COVARIANCE_MAX_DIM && latents.centreUpdate === 'ema' ? 'full' : 'isotropic';
}

/**
 * Per model kind, the values that runs made before a key existed were trained with. A run's stored
 * config (config.json, a checkpoint's copy) holds every key its version knew, so a missing key
 * means the run predates it: parseStoredConfig fills these in, and a default may change without
 * changing what an old run is.
 */
export const PREDATING_MODEL_VALUES: { readonly [K in 'mlp' | 'unet']?: Readonly<Record<string, unknown>> } = {
  mlp: { codeModes: 1, codeCovariance: 'isotropic' },
};

/** A validated run config. */
export type RunConfig = z.infer<typeof RunConfig>;
/** A validated `data` section. */
export type DataConfig = z.infer<typeof DataConfig>;
/** A validated `data` section of kind 'toy'. */
export type ToyDataConfig = z.infer<typeof ToyDataConfig>;
/** A validated `data` section of kind 'fashion-mnist'. */
export type FashionMNISTDataConfig = z.infer<typeof FashionMNISTDataConfig>;
/** A validated `data` section of kind 'image-folder'. */
export type ImageFolderDataConfig = z.infer<typeof ImageFolderDataConfig>;
/** A validated `data` section of kind 'array'. */
export type ArrayDataConfig = z.infer<typeof ArrayDataConfig>;
/** A validated `model` section. */
export type ModelConfig = z.infer<typeof ModelConfig>;
/** A validated `model` section of kind 'mlp'. */
export type MLPModelConfig = z.infer<typeof MLPModelConfig>;
/** A validated `model` section of kind 'unet'. */
export type UNetModelConfig = z.infer<typeof UNetModelConfig>;
/** A validated `latents` section. */
export type LatentConfig = z.infer<typeof LatentConfig>;
/** A validated `encoder` section. */
export type EncoderConfig = z.infer<typeof EncoderConfig>;
/** A validated `encoder` section of kind 'mlp'. */
export type MLPEncoderConfig = z.infer<typeof MLPEncoderConfig>;
/** A validated `encoder` section of kind 'vit'. */
export type ViTEncoderConfig = z.infer<typeof ViTEncoderConfig>;
/** A validated `edm` section. */
export type EDMConfig = z.infer<typeof EDMConfig>;
/** A validated `prior` section. */
export type PriorConfig = z.infer<typeof PriorConfig>;
/** A validated `sample` section. */
export type SampleConfig = z.infer<typeof SampleConfig>;

/**
 * disco-diff: the public API, what a user of the library needs from each layer (docs/api.md lists
 * and describes every name). `disco-diff/engine`, `/nn`, `/optim`, `/io`, `/metrics`, `/plot`,
 * `/edm`, `/disco`, `/networks`, `/data`, `/chem`, `/pose` and `/docking` give the whole of one layer each.
 */

// Engine: tensors, their creation and randomness, memory scopes, autograd, functional ops, threads.
export {
  Tensor, tensor, scalar, zeros, ones, full, arange, linspace, eye, zerosLike, onesLike, cat, stack, where,
  manualSeed, Generator, randn, rand, randint, randperm, randnLike, bernoulli, multinomial,
  tidy, keep, liveTensors, mapBatches, sumBatches, grad, noGrad, enableGrad, isGradEnabled, F, setNumThreads, numThreads, cudaAvailable,
  type DType, type Device, type TensorLike, type TensorOptions,
} from './engine/index.js';

// nn: the Module base and its layers.
export {
  Module, ModuleList, Linear, Conv2d, Embedding, LayerNorm, GroupNorm, Dropout, MLP, MultiheadAttention, TransformerBlock, init,
  type StateDict, type Activation,
} from './nn/index.js';

// Optimisation: optimizers, learning-rate schedules, gradient clipping, weight averaging.
export { Adam, AdamW, EMA, warmup, warmupCosine, clipGradNorm, type AdamOptions, type Schedule } from './optim/index.js';

// Files: checkpoints, safetensors, .npy.
export { saveCheckpoint, loadCheckpoint, saveSafetensors, loadSafetensors, saveNpy, loadNpy } from './io/index.js';

// Configs: the run config's schema, its sections and its readers.
export {
  RunConfig, DataConfig, ModelConfig, MLPModelConfig, UNetModelConfig, LatentConfig, EncoderConfig, MLPEncoderConfig,
  ViTEncoderConfig, EDMConfig, TrainConfig, PriorConfig, SampleConfig,
} from './config/schema.js';
export { parseConfig, loadConfig, applyOverrides } from './config/load.js';

// Data: toy sets, your own vectors, Fashion-MNIST, image folders, batches.
export {
  makeToy, TOY_DATASETS, loadDataset, loadFashionMNIST, loadFashionMNISTTest, FASHION_MNIST_CLASSES, loadImageFolder, loadArrayData, BatchIterator,
  type Dataset, type DataInfo, type ToyName,
} from './data/index.js';

// EDM (Karras et al. 2022): preconditioning, losses, σ schedule, samplers, the exact GMM denoiser.
export {
  EDMPrecond, edmLoss, vdmppLoss, edmSigmas, edmSample, euler, heun, stochastic, restart, samplerNfe, SAMPLERS, makeDenoiser,
  mixtureDenoiser, type Backbone, type Denoiser, type SamplerName, type SamplerOptions, type Mixture,
} from './edm/index.js';

// DisCo-Diff (Xu et al. 2024): the Stage-I model, its latents, the AR prior, sampling.
export {
  DiscoDiff, gumbelSoftmax, LatentEmbedding, AnalyticCodebook, LatentPrior, latentDenoiser, generate, sampleWithSwitch,
  type Conditioning, type LatentEncoder, type GenerateOptions, type Generated,
} from './disco/index.js';

// Networks: config → model, the denoisers' backbones, the encoders, export to EDM's layout.
export {
  createModel, UNet, MLPDenoiser, MLPEncoder, ViTEncoder, edmStateDict,
  type UNetOptions, type MLPDenoiserOptions, type ViTEncoderOptions,
} from './networks/index.js';

// Training: Stage I and II on a run directory, loading and exporting runs.
export { trainStage1, dataInfo, type TrainOptions, type TrainResult } from './train/stage1.js';
export { trainPrior, type PriorResult } from './train/stage2.js';
export { loadRun, type LoadedRun } from './train/load-run.js';
export { exportRun } from './train/export.js';

// Evaluation: a run's metrics and figures, the 8-Gaussians demo.
export { evaluateRun, plotRun, runDemo } from './eval/commands.js';
export { evaluateToyRun } from './eval/toy.js';

// Metrics: optimal transport, Fréchet distance, precision/recall, latent codes, ODE curvature.
export {
  w2, slicedW2, frechetDistance, featureStats, precisionRecall, coverage, codeUsage, latentPurity, modeStats, odeCurvature,
  jacobianNorm,
} from './metrics/index.js';

// Plots: the paper's figures and image grids.
export { fig3, fig4, lossVsSigmaFigure, saveImageGrid } from './plot/index.js';

// Molecules: the molecule and receptor types, their readers and writers, SMILES, torsions, RMSD.
export {
  readLigand, readLigands, readReceptorFile, readReceptor, readSdf, writeSdf, readMol2, moleculeFromSmiles, rotatableBonds,
  symmetricRmsd, type Molecule, type Atom, type Bond, type Vec3, type Receptor, type RotatableBond,
} from './chem/index.js';

// Docking (DiffDock, Corso et al., ICLR 2023): the config, pose diffusion, score network, docking, data set, training, evaluation.
export {
  DockingConfig, DockingDataConfig, DockingModelConfig, PoseDiffusionConfig, DockingTrainConfig, DockingSampleConfig,
} from './config/docking.js';
export { parseDockingConfig, loadDockingConfig } from './config/load.js';
export {
  poseSigmas, noisePose, randomizePose, reversePoseDiffusion, Rng,
  type PoseSigmas, type PoseScores, type PoseScoreFn,
} from './pose/index.js';
export {
  dock, samplePoses, rankPoses, DockingScoreNet, createScoreNet, poseScorer, ligandGraph, receptorGraph, complexBatch,
  scorePoses, prepareReceptorForScoring, loadPoseSet, splitByScaffold, loadComplexes,
  createDockingNetworks, samplePriorCodes, refineLigand, refinePoses,
  type DockOptions, type DockedPose, type DockingScoreNetOptions, type LigandGraph, type ReceptorGraph, type PosedComplex,
  type ComplexGraph, type PoseRecord, type Complex, type PoseScorer,
} from './docking/index.js';
export { trainDocking, type DockingTrainOptions } from './train/docking.js';
export { trainDockingPrior } from './train/docking-prior.js';
export { loadDockingRun, loadDockingPrior, type DockingRun } from './train/load-docking-run.js';
export {
  evaluateDocking, summarizeDocking, evaluateDockingRun, type ComplexMetrics, type PoseSource,
} from './eval/docking.js';

// Data parallelism: the process group, gradient averaging, the launcher.
export {
  ProcessGroup, distEnv, defaultBackend, GradientAverager, PeerFailure, launch, type DistEnv, type LaunchOptions,
} from './parallel/index.js';

// Serving: the sampling web app.
export { startServer, type ServeOptions, type Serving } from './serve/server.js';

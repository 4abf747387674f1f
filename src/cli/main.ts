/**
 * The `disco-diff` CLI: parses arguments and calls the library. Every error ends the process
 * with exit code 2 and one line naming the problem.
 */
import { Command, CommanderError } from 'commander';
import { finite, nonNegInt, nonNegInts, oneOf, posInt, positive, restartIntervals, vec3 } from './args.js';
import { LIMITS } from '../config/schema.js';

/** An integer option `parse` reads, at most `max` (src/config/schema.ts LIMITS). */
function atMost(name: string, max: number, parse: (name: string) => (v: string) => number): (v: string) => number {
  return (v) => {
    const n = parse(name)(v);
    if (n > max) throw new Error(`${name} must be at most ${max}, got '${v}'`);
    return n;
  };
}
const seed = () => atMost('--seed', LIMITS.seed, nonNegInt);

const SAMPLER_NAMES = ['heun', 'euler', 'stochastic', 'restart'] as const;
const RESTART_HELP = 'Restart interval t_min,t_max,K,steps (repeatable; implies --sampler restart; default: sample.restart)';

const program = new Command('disco-diff')
  .description('DisCo-Diff: diffusion models with learned discrete latents (EDM + encoder + AR prior), on libtorch')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

/** The data-parallel launcher's options (src/cli/parallel.ts) on `cmd`; `split` says what the workers share. */
function withLauncher(cmd: Command, split: string): Command {
  return cmd
    .option('--nproc <n>', `data-parallel: start n worker processes on this machine (${split})`, posInt('--nproc'))
    .option('--nnodes <n>', 'data-parallel over n machines: run the same command on each, with --node-rank', posInt('--nnodes'))
    .option('--node-rank <i>', 'this machine\'s index, 0 … nnodes − 1 (node 0 hosts the rendezvous)', nonNegInt('--node-rank'))
    .option('--master-addr <host>', 'address of node 0 (with --nnodes; a one-machine job opens no port)')
    .option('--master-port <port>', 'port of the rendezvous store on node 0 (with --nnodes; default 29500)',
      nonNegInt('--master-port'))
    .option('--dist-timeout <s>', 'seconds a collective may wait for a live peer before the job fails (default 600)',
      positive('--dist-timeout'));
}

const train = program.command('train')
  .description('Stage I: train the denoiser and encoder end to end (the plain EDM baseline when latents are off); '
    + 'with a docking config (domain: docking), the pose score network')
  .option('--config <file>', 'run config (JSON or YAML); with --resume it may change train.* settings (default: the run\'s own)')
  .requiredOption('--out <dir>', 'run directory to create (or to continue with --resume)')
  .option('--resume', 'continue the run in --out from its last checkpoint (--steps, --set train.lr=… etc. may change)')
  .option('--steps <n>', 'override train.steps', atMost('--steps', LIMITS.trainSteps, posInt))
  .option('--minutes <m>', 'stop after this much training time (resumable)', positive('--minutes'))
  .option('--set <key=value>', 'override a config key, e.g. latents.k=16 (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
  .option('--init-from <run>', 'start from a trained run\'s weights (e.g. plain EDM); new modules start fresh')
  .option('--quiet', 'no progress bar');
withLauncher(train, 'the batch and the cores are split between them')
  .action(async (o) => (await import('./commands.js')).train(o));

const trainPrior = program.command('train-prior')
  .description('Stage II: extract the latents of the training set and fit the autoregressive prior')
  .requiredOption('--run <dir>', 'a run trained with `train`')
  .option('--quiet', 'no progress bar');
withLauncher(trainPrior, 'they encode the training set together; rank 0 fits the prior')
  .action(async (o) => (await import('./commands.js')).trainPrior(o));

program.command('sample')
  .description('draw samples: z from the prior, then the ODE/SDE sampler')
  .requiredOption('--run <dir>', 'a trained run')
  .requiredOption('--n <n>', 'number of samples', atMost('--n', LIMITS.samples, posInt))
  .requiredOption('--out <file.npy>', 'samples as float32 .npy [N, …]')
  .option('--latents-out <file.npy>', 'the latents used, int64 .npy [N, m]')
  .option('--png <file.png>', 'also draw the samples (points: scatter for D = 2, on the first two principal components for D > 2, histogram for D = 1; images: grid)')
  .option('--steps <n>', 'sampler steps', atMost('--steps', LIMITS.sampleSteps, posInt))
  .option('--sampler <name>', SAMPLER_NAMES.join(' | '), oneOf('--sampler', SAMPLER_NAMES))
  .option('--restart <interval>', RESTART_HELP, restartIntervals('--restart'))
  .option('--guidance <w>', 'guidance weight on the latents: w·D(z) + (1−w)·D(∅); 1 = none', finite('--guidance'))
  .option('--prior-temperature <t>', 'temperature of the AR prior (> 0)', positive('--prior-temperature'))
  .option('--class <c>', 'class label for class-conditional runs (default: random)', nonNegInt('--class'))
  .option('--batch <n>', 'samples per sampler call (default: as many as fit 1 GiB of activations)', atMost('--batch', LIMITS.batch, posInt))
  .option('--seed <s>', 'random seed', seed(), 0)
  .option('--stale-prior', 'use the prior even when it was fitted to an older encoder than the checkpoint\'s')
  .action(async (o) => (await import('./commands.js')).sample(o));

const evaluate = program.command('eval')
  .description('measure a trained run and write RUN/metrics.json')
  .requiredOption('--run <dir>', 'a trained run')
  .option('--n <n>', 'number of samples (a docking run: test complexes to dock, default all)', atMost('--n', LIMITS.samples, posInt))
  .option('--seed <s>', 'random seed', seed(), 0)
  .option('--steps <n>', 'sampler steps (images and docking; default: the run\'s sample.steps)', atMost('--steps', LIMITS.sampleSteps, posInt))
  .option('--sampler <name>', `${SAMPLER_NAMES.join(' | ')} (images)`, oneOf('--sampler', SAMPLER_NAMES))
  .option('--restart <interval>', `${RESTART_HELP} (images)`, restartIntervals('--restart'))
  .option('--draws <n>', 'vector data: draws of samples and reference points that W2 and its floor average over (default 5)',
    atMost('--draws', LIMITS.samples, posInt));
withLauncher(evaluate, 'they draw the samples together; every node must see the run directory')
  .action(async (o) => (await import('./commands.js')).evaluate(o));

program.command('plot')
  .description('draw the figures of a run into RUN/figures')
  .requiredOption('--run <dir>', 'a trained run')
  .option('--baseline <dir>', 'a plain-EDM run to compare with (vector data: Fig. 3 as is for D = 2, on principal components for D > 2, none for D = 1)')
  .option('--seed <s>', 'random seed', seed(), 0)
  .action(async (o) => (await import('./commands.js')).plot(o));

program.command('demo')
  .description('8 Gaussians end to end: plain DM vs DisCo-Diff, prior, samples, metrics, figures, report; ' +
    'with --images, the pretrained Fashion-MNIST pair in models/: samples, FD, recognisable share, latent figures')
  .option('--out <dir>', 'output directory (default: runs/demo, with --seed S runs/demo-seedS, with --images runs/demo-images)')
  .option('--seed <s>', 'training seed of both runs (default: the configs\' train.seed)', seed())
  .option('--steps <n>', 'Stage-I steps per model', atMost('--steps', LIMITS.trainSteps, posInt))
  .option('--images', 'the pretrained image pair instead of 8 Gaussians (nothing is trained)')
  .option('--n <n>', 'samples per image model (with --images)', atMost('--n', LIMITS.samples, posInt), 300)
  .option('--quiet', 'no progress bars')
  .action(async (o) => (await import('./commands.js')).demo(o));

program.command('export')
  .description('write a run\'s denoiser (EMA weights) in another layout: edm = NVlabs EDM\'s DhariwalUNet state dict')
  .requiredOption('--format <name>', 'edm (a plain EDM U-Net run with model.noiseFrequencies edm, model.channelsPerHead 64)',
    oneOf('--format', ['edm'] as const))
  .requiredOption('--run <dir>', 'a trained run')
  .requiredOption('--out <file.safetensors>', 'the file to write')
  .action(async (o) => (await import('./commands.js')).exportWeights(o));

program.command('dock')
  .description('dock a ligand into a receptor with a trained docking run: n poses, ranked, as SDF')
  .requiredOption('--run <dir>', 'a run trained with a docking config')
  .requiredOption('--receptor <file>', 'the protein: PDB, PDBQT or mmCIF (amino-acid residues are used)')
  .requiredOption('--ligand <file|smiles>', 'the ligand: SDF/MOL, MOL2, PDBQT, .smi (first molecule) or a SMILES string (a conformer is made)')
  .option('--all', 'dock every molecule of the ligand file into one SDF (property `ligand`); a ligand that fails is skipped')
  .requiredOption('--out <file.sdf>', 'the ranked poses, with rank and vina_score properties')
  .option('--n <n>', 'poses to sample (default: the run\'s sample.n, 40)', atMost('--n', LIMITS.samples, posInt))
  .option('--steps <n>', 'reverse-diffusion steps (default: sample.steps, 20)', atMost('--steps', LIMITS.sampleSteps, posInt))
  .option('--sampler <name>', 'sde | ode', oneOf('--sampler', ['sde', 'ode'] as const))
  .option('--ranker <name>', 'vina (Vina\'s scoring function) | density (most samples within 2 Å) | none (sample order)',
    oneOf('--ranker', ['vina', 'density', 'none'] as const))
  .option('--center <x,y,z>', 'pocket centre in Å (default: blind docking from the protein\'s centre)', vec3('--center'))
  .option('--box <edge>', 'with --center: a cubic box edge in Å; poses centred outside it rank last', positive('--box'))
  .option('--refine <n>', 'BFGS iterations refining each pose on Vina\'s energy before ranking (default: sample.refine; 0 = off)',
    nonNegInt('--refine'))
  .option('--latents <i,j>', 'a DisCo-Diff run: fix every pose\'s pointer latents to these node indices (ligand heavy atoms 0…, ' +
    'then residues; default: one draw of the prior per pose)', nonNegInts('--latents'))
  .option('--logit-scale <s>', 'a DisCo-Diff run: the prior\'s logits are multiplied by s when each pose draws its latents ' +
    '(< 1 flatter, 1 the prior as trained; default: the run\'s latents.prior.logitScale)', positive('--logit-scale'))
  .option('--seed <s>', 'random seed', seed(), 0)
  .option('--quiet', 'no progress')
  .action(async (o) => (await import('./dock.js')).dockCommand(o));

program.command('serve')
  .description('a local web page to explore a trained run: samples under chosen latents, latent switching, 2-D trajectories')
  .requiredOption('--run <dir>', 'a trained run (only read; the page cannot name files)')
  .option('--port <n>', 'TCP port (0: any free port)', nonNegInt('--port'), 7860)
  .option('--host <addr>', 'address to listen on (default: this machine only; 0.0.0.0: every interface)', '127.0.0.1')
  .option('--allow-host <name>', 'also answer requests naming this host, e.g. a proxy\'s or tunnel\'s (repeatable; '
    + 'this machine\'s own names and addresses are always answered)', (v: string, acc: string[]) => [...acc, v], [])
  .action(async (o) => (await import('./serve.js')).serve(o));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  const msg = (e as Error).message ?? String(e);
  process.stderr.write(`disco-diff: error: ${msg.split('\n')[0]}\n`);
  if (process.env.DISCO_DEBUG) console.error(e);
  const code = (e as { exitCode?: unknown }).exitCode;   // 128 + the signal's number after a stop by signal
  process.exit(typeof code === 'number' ? code : 2);
}

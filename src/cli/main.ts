/**
 * The `disco-diff` CLI: parses arguments and calls the library. Every error ends the process
 * with exit code 2 and one line naming the problem.
 */
import { Command, CommanderError } from 'commander';
import { finite, nonNegInt, oneOf, posInt } from './args.js';

const program = new Command('disco-diff')
  .description('DisCo-Diff: diffusion models with learned discrete latents (EDM + encoder + AR prior), on libtorch')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

program.command('train')
  .description('Stage I: train the denoiser and encoder end to end (the plain EDM baseline when latents are off)')
  .requiredOption('--config <file>', 'run config (JSON or YAML)')
  .requiredOption('--out <dir>', 'run directory to create (or to continue with --resume)')
  .option('--resume', 'continue the run in --out from its last checkpoint')
  .option('--steps <n>', 'override train.steps', posInt('--steps'))
  .option('--minutes <m>', 'stop after this much training time (resumable)', finite('--minutes'))
  .option('--set <key=value>', 'override a config key, e.g. latents.k=16 (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
  .option('--init-from <run>', 'start from a trained run\'s weights (e.g. plain EDM); new modules start fresh')
  .option('--quiet', 'no progress bar')
  .action(async (o) => (await import('./commands.js')).train(o));

program.command('train-prior')
  .description('Stage II: extract the latents of the training set and fit the autoregressive prior')
  .requiredOption('--run <dir>', 'a run trained with `train`')
  .option('--quiet', 'no progress bar')
  .action(async (o) => (await import('./commands.js')).trainPrior(o));

program.command('sample')
  .description('draw samples: z from the prior, then the ODE/SDE sampler')
  .requiredOption('--run <dir>', 'a trained run')
  .requiredOption('--n <n>', 'number of samples', posInt('--n'))
  .requiredOption('--out <file.npy>', 'samples as float32 .npy [N, …]')
  .option('--latents-out <file.npy>', 'the latents used, int64 .npy [N, m]')
  .option('--png <file.png>', 'also draw the samples (scatter for 2-D data, grid for images)')
  .option('--steps <n>', 'sampler steps', posInt('--steps'))
  .option('--sampler <name>', 'heun | euler | stochastic', oneOf('--sampler', ['heun', 'euler', 'stochastic'] as const))
  .option('--guidance <w>', 'guidance weight on the latents: w·D(z) + (1−w)·D(∅); 1 = none', finite('--guidance'))
  .option('--prior-temperature <t>', 'temperature of the AR prior', finite('--prior-temperature'))
  .option('--class <c>', 'class label for class-conditional runs (default: random)', nonNegInt('--class'))
  .option('--batch <n>', 'samples per sampler call', posInt('--batch'))
  .option('--seed <s>', 'random seed', nonNegInt('--seed'), 0)
  .action(async (o) => (await import('./commands.js')).sample(o));

program.command('eval')
  .description('measure a trained run and write RUN/metrics.json')
  .requiredOption('--run <dir>', 'a trained run')
  .option('--n <n>', 'number of samples', posInt('--n'))
  .option('--seed <s>', 'random seed', nonNegInt('--seed'), 0)
  .option('--steps <n>', 'sampler steps (images; default: the run\'s sample.steps)', posInt('--steps'))
  .option('--sampler <name>', 'heun | euler | stochastic (images)', oneOf('--sampler', ['heun', 'euler', 'stochastic'] as const))
  .action(async (o) => (await import('./commands.js')).evaluate(o));

program.command('plot')
  .description('draw the figures of a run into RUN/figures')
  .requiredOption('--run <dir>', 'a trained run')
  .option('--baseline <dir>', 'a plain-EDM run to compare with (2-D figures)')
  .option('--seed <s>', 'random seed', nonNegInt('--seed'), 0)
  .action(async (o) => (await import('./commands.js')).plot(o));

program.command('demo')
  .description('8 Gaussians end to end: plain DM vs DisCo-Diff, prior, samples, metrics, figures, report')
  .option('--out <dir>', 'output directory', 'runs/demo')
  .option('--steps <n>', 'Stage-I steps per model', posInt('--steps'))
  .option('--quiet', 'no progress bars')
  .action(async (o) => (await import('./commands.js')).demo(o));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  const msg = (e as Error).message ?? String(e);
  process.stderr.write(`disco-diff: error: ${msg.split('\n')[0]}\n`);
  if (process.env.DISCO_DEBUG) console.error(e);
  process.exit(2);
}

/**
 * bench/images: plain EDM vs DisCo-Diff on Fashion-MNIST at equal wall-clock training budgets,
 * same U-Net and sampler, over training seeds. For each seed both models train in parallel (one
 * thread each) up to each budget in turn (resuming), then the prior is fitted and both are
 * evaluated: FD-FMNIST / precision / recall on n samples with the run's sampler and at low NFE,
 * loss per σ bin (at equal wall-clock, and at equal steps from the training metrics), per-latent
 * code perplexity, and shared-latent consistency (rows sharing one z vs rows of independent z).
 * With `--pretrain P`, DisCo-Diff starts as the paper's image models do: its budget begins with P
 * minutes of the plain EDM run, whose weights it then continues from (`train --init-from`); only
 * the encoder and the latent modules start fresh. Prints a table and writes
 * bench/results/images[-TAG].json.
 * Usage: node --import tsx bench/images.ts [--minutes 5,10] [--seeds 0,1] [--n 300] [--low-nfe-steps 6]
 *          [--pretrain 0] [--tag NAME] [--out runs/bench-images] [--set key=value ...]
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchArgs } from './args.js';
import { cli } from './cli.js';
import { machineRecord } from './record.js';

const args = benchArgs('node --import tsx bench/images.ts [flags]', {
  minutes: { kind: 'numbers', default: '5,10', help: 'wall-clock training budgets, minutes' },
  seeds: { kind: 'numbers', default: '0,1', help: 'training seeds' },
  n: { kind: 'number', default: '300', help: 'samples for FD-FMNIST, precision and recall' },
  'low-nfe-steps': { kind: 'number', default: '6', help: 'Heun steps of the low-NFE evaluation' },
  pretrain: { kind: 'number', default: '0', help: 'minutes of plain EDM that DisCo-Diff starts from' },
  tag: { kind: 'string', default: '', help: 'writes bench/results/images-TAG.json' },
  out: { kind: 'string', default: 'runs/bench-images', help: 'where the runs go' },
  set: { kind: 'repeat', help: 'key=value override of the DisCo-Diff arm\'s config' },
});
const budgets = [...args.minutes].sort((a, b) => a - b), seeds = args.seeds;
const { n, out, pretrain, tag } = args, lowSteps = args['low-nfe-steps'];
if (!(pretrain >= 0 && pretrain < budgets[0]!)) throw new Error(`--pretrain must be in [0, ${budgets[0]}) minutes`);
/** Config overrides for the DisCo-Diff arm. */
const sets = args.set.flatMap((s) => ['--set', s]);
const root = join(import.meta.dirname, '..');
const models = { edm: 'configs/fmnist-edm.yaml', disco: 'configs/fmnist-disco.yaml' } as const;
type Model = keyof typeof models;

const both = (f: (m: Model) => Promise<void>) => Promise.all((['edm', 'disco'] as const).map(f));
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

interface Row {
  seed: number; minutes: number; model: Model; steps: number; stepsPerSec: number;
  fd: number; precision: number; recall: number; nfe: number; fdLow: number; nfeLow: number;
  lossBySigma: { sigma: number[]; loss: number[] }; perplexity: number[] | null;
  consistency: { shared: number; independent: number } | null;
  /** Training loss per σ bin (upper edges; null = ∞) over the last `EQUAL_STEP_WINDOW` steps of DisCo-Diff. */
  trainLossBySigma: { sigmaBelow: (number | null)[]; loss: (number | null)[] };
}
const rows: Row[] = [];
const EQUAL_STEP_WINDOW = 150;

interface MetricsRow { step: number; lossBySigma: { sigmaBelow: number | null; loss: number | null }[] }
const metrics = (dir: string): MetricsRow[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

/** Mean training loss per σ bin over the logged rows with steps in (from, to]. */
function windowLoss(rows: MetricsRow[], from: number, to: number): { sigmaBelow: (number | null)[]; loss: (number | null)[] } {
  const inWindow = rows.filter((r) => r.step > from && r.step <= to);
  const edges = (inWindow[0] ?? rows.at(-1)!).lossBySigma.map((b) => b.sigmaBelow);
  return { sigmaBelow: edges, loss: edges.map((_, i) => {
    const v = inWindow.map((r) => r.lossBySigma[i]!.loss).filter((x): x is number => x !== null);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  }) };
}
for (const seed of seeds) {
  const dirs = { edm: join(out, `seed-${seed}`, 'edm'), disco: join(out, `seed-${seed}`, 'disco') };
  const start = join(out, `seed-${seed}`, 'edm-pretrain');
  let spent = 0, pretrainSteps = 0;
  if (pretrain > 0) {
    await cli(['train', '--config', models.edm, '--out', dirs.edm, '--minutes', String(pretrain), '--set', `train.seed=${seed}`, '--quiet']);
    cpSync(dirs.edm, start, { recursive: true });
    pretrainSteps = metrics(start).at(-1)!.step;
    spent = pretrain;
  }
  for (const minutes of budgets) {
    await both((m) => {
      const resume = existsSync(join(dirs[m], 'checkpoint.safetensors'));
      const init = m === 'disco' && !resume && pretrain > 0 ? ['--init-from', start] : [];
      return cli(['train', '--config', models[m], '--out', dirs[m], '--minutes', String(minutes - spent),
        '--set', `train.seed=${seed}`, '--quiet', ...(resume ? ['--resume'] : []), ...init, ...(m === 'disco' ? sets : [])]);
    });
    spent = minutes;
    await cli(['train-prior', '--run', dirs.disco, '--quiet']);
    const low: Record<string, { fd: number; nfe: number }> = {};
    await both(async (m) => {
      await cli(['eval', '--run', dirs[m], '--n', String(n), '--steps', String(lowSteps), '--seed', String(seed)]);
      const r = readJson(join(dirs[m], 'metrics.json'));
      low[m] = { fd: r.fd, nfe: r.nfe };
      await cli(['eval', '--run', dirs[m], '--n', String(n), '--seed', String(seed)]);
    });
    // Equal steps: DisCo-Diff's last window against EDM's rows at the same total step count.
    const discoEnd = metrics(dirs.disco).at(-1)!.step;
    const window = { disco: [Math.max(0, discoEnd - EQUAL_STEP_WINDOW), discoEnd], edm: [0, 0] };
    window.edm = window.disco.map((s) => s + pretrainSteps);
    for (const m of ['edm', 'disco'] as const) {
      const r = readJson(join(dirs[m], 'metrics.json'));
      const logged = metrics(dirs[m]);
      rows.push({ seed, minutes, model: m, steps: r.steps + (m === 'disco' ? pretrainSteps : 0),
        stepsPerSec: (logged.at(-1) as unknown as { stepsPerSec: number }).stepsPerSec, fd: r.fd, precision: r.precision,
        recall: r.recall, nfe: r.nfe, fdLow: low[m]!.fd, nfeLow: low[m]!.nfe, lossBySigma: r.lossVsSigma,
        perplexity: r.codePerplexity, consistency: r.consistency,
        trainLossBySigma: windowLoss(logged, window[m][0]!, window[m][1]!) });
    }
    writeFileSync(join(root, 'bench', 'results', `images${tag ? `-${tag}` : ''}.json`),
      JSON.stringify({ machine: machineRecord({ threads: 1, note: 'EDM and DisCo-Diff arms at the same time, one thread each' }),
        budgets, seeds, n, lowSteps, pretrain, overrides: args.set, rows }, null, 2));
  }
}

const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? '—' : v.toFixed(d));
console.log('seed  min  model  steps  FD (NFE)        FD low NFE     prec   rec    ppl min  consistency shared/indep');
for (const r of rows) {
  console.log(`${String(r.seed).padEnd(5)} ${String(r.minutes).padEnd(4)} ${r.model.padEnd(6)} ${String(r.steps).padEnd(6)} ` +
    `${`${f(r.fd)} (${r.nfe})`.padEnd(15)} ${`${f(r.fdLow)} (${r.nfeLow})`.padEnd(14)} ${f(r.precision, 3).padEnd(6)} ` +
    `${f(r.recall, 3).padEnd(6)} ${(r.perplexity ? f(Math.min(...r.perplexity), 1) : '—').padEnd(8)} ` +
    `${r.consistency ? `${f(r.consistency.shared, 3)} / ${f(r.consistency.independent, 3)}` : '—'}`);
}
// Loss per σ, EDM/DisCo: at equal wall-clock (eval probe set and σ grid, EMA weights), and at equal
// steps (training loss of the same step window, σ bins with upper edge > 1).
for (const seed of seeds) {
  for (const minutes of budgets) {
    const [e, d] = (['edm', 'disco'] as const).map((m) => rows.find((r) => r.seed === seed && r.minutes === minutes && r.model === m)!);
    const bins = e!.lossBySigma.sigma.map((s, i) => ({ s, edm: e!.lossBySigma.loss[i]!, disco: d!.lossBySigma.loss[i]! }));
    console.log(`seed ${seed}, ${minutes} min: loss per σ at equal time (EDM ${e!.steps} / DisCo ${d!.steps} steps): ` +
      bins.map((b) => `${b.s.toPrecision(2)}: ${b.edm.toFixed(3)}/${b.disco.toFixed(3)}`).join('  '));
    const tb = e!.trainLossBySigma.sigmaBelow.map((s, i) => ({ s, edm: e!.trainLossBySigma.loss[i], disco: d!.trainLossBySigma.loss[i] }))
      .filter((b) => b.s === null || b.s > 1);
    console.log(`  at equal steps (training loss, last ${EQUAL_STEP_WINDOW} steps): ` +
      tb.map((b) => `σ<${b.s ?? '∞'}: ${f(b.edm, 3)}/${f(b.disco, 3)}`).join('  '));
  }
}

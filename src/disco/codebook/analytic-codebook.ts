/**
 * The per-code Gaussians (centre μ_j, scale s_j) of an analytic-Gaussian denoiser during Stage I:
 * their data-dependent initialisation, the EMA refit to the points each code holds, and code
 * restarts (the rules are in this folder; this class applies them to the model's tensors).
 */
import { tidy, type Generator, type Tensor } from '../../engine/index.js';
import type { LatentConfig } from '../../config/schema.js';
import type { DiscoDiff } from '../model.js';
import { kmeans } from './kmeans.js';
import { fitRouting } from './route-init.js';
import { CodeRestarts } from './restarts.js';
import { emaRefit } from './ema-refit.js';
import { setCentres } from './moves.js';
import { groupBy, spread, type Point } from './points.js';
import { initMixtures, moveMixtures, refitMixtures, type CodeMixtures } from './code-mixtures.js';
import { initCovariances, moveCovariances, refitCovariances } from './code-covariances.js';
import { initFullMixtures, moveFullMixtures, refitFullMixtures, type FullMixtures } from './code-full-mixtures.js';

/** A batch as the codebook sees it: points x [B, d] and their argmax codes [B, m] (int64). */
export interface CodeBatch {
  x: Tensor;
  codes: Tensor;
}

/** Applies the codebook remedies to an analytic-Gaussian model's centres and scales (see above). */
export class AnalyticCodebook {
  readonly restarts: CodeRestarts | null;
  /** Floor on a (re)initialised code scale: 1e-3·σ_data. */
  private readonly minStd: number;

  private constructor(private readonly model: DiscoDiff, readonly means: Tensor, readonly logStds: Tensor | null,
    readonly mixtures: CodeMixtures | null, readonly covariances: Tensor | null, readonly fullMixtures: FullMixtures | null,
    private readonly cfg: LatentConfig, private readonly steps: number) {
    this.minStd = 1e-3 * model.denoiser.sigmaData;
    this.restarts = cfg.restartEvery > 0 ? new CodeRestarts(cfg.m, cfg.k) : null;
    // Centres and scales that follow the EMA need no gradient: backward skips their [m, k, d] product.
    if (this.ema) {
      const mixtureTensors = [mixtures?.means, mixtures?.logStds, mixtures?.logWeights, ...Object.values(fullMixtures ?? {})];
      for (const t of [means, logStds, covariances, ...mixtureTensors]) t?.requiresGrad_(false);
    }
  }

  /** The codebook of a model whose denoiser has per-code centres (and an encoder), else null. */
  static of(model: DiscoDiff, cfg: LatentConfig, steps: number): AnalyticCodebook | null {
    const net = model.denoiser.net as { means?: Tensor | null; logStds?: Tensor | null } &
      Partial<Record<'subMeans' | 'subLogStds' | 'subLogWeights' | 'cov' | 'subCov', Tensor | null>>;
    if (!model.encoder || !net.means) return null;
    const mixtures = net.subMeans && net.subLogStds && net.subLogWeights
      ? { means: net.subMeans, logStds: net.subLogStds, logWeights: net.subLogWeights } : null;
    const fullMixtures = net.subMeans && net.subCov && net.subLogWeights ? { means: net.subMeans, cov: net.subCov, logWeights: net.subLogWeights } : null;
    return new AnalyticCodebook(model, net.means, net.logStds ?? null, mixtures, net.cov ?? null, fullMixtures, cfg, steps);
  }

  /** Whether the centres follow an EMA of the data (then the optimizer must leave them alone). */
  get ema(): boolean {
    return this.cfg.centreUpdate === 'ema';
  }

  /** Parameter paths that the optimizer must not update. */
  frozen(name: string): boolean {
    return this.ema && /\.(means|log_stds|sub_means|sub_log_stds|sub_log_weights|cov|sub_cov)$/.test(name);
  }

  /** Whether the batch of step `step` (1-based, after the update) is needed. */
  needsBatch(step: number): boolean {
    return this.refitDue(step) || this.restartDue(step);
  }

  private refitDue(step: number): boolean {
    return this.ema && step > this.cfg.refitAfter;
  }

  private restartDue(step: number): boolean {
    return !!this.restarts && step % this.cfg.restartEvery === 0 && step < this.cfg.restartUntil * this.steps;
  }

  /**
   * 'kmeans': k-means++ and Lloyd on (up to 4096 of) the training points, best of 5 seedings; each
   * code's scale is its cluster's spread; the same centres for every latent (and each code's
   * mixture, with codeModes > 1, from k-means within its cluster). 'encoder': each code's
   * mean and spread of the points (up to 2048) the encoder assigns to it (codes with none keep theirs).
   */
  init(x: Tensor, gen: Generator, labels?: Tensor): void {
    if (this.cfg.centreInit === 'encoder') {
      tidy(() => {
        const xs = x.slice(0, 0, Math.min(x.size(0), 2048));
        const codes = this.model.extractLatents(xs, labels?.slice(0, 0, xs.size(0))).codes;
        emaRefit(this.means, this.logStds, xs.flatten(1), codes, 0, this.minStd);
        if (this.covariances) refitCovariances(this.covariances, xs.flatten(1), codes, 0);
      });
      return;
    }
    if (this.cfg.centreInit !== 'kmeans') return;
    const { pts, ctr, cluster } = tidy(() => {
      const xs = x.slice(0, 0, Math.min(x.size(0), 4096)).flatten(1).double();
      const r = kmeans(xs, this.cfg.k, gen, { iters: 25, tries: 5 });
      if (this.cfg.routeInit > 0 && this.model.encoder) {
        const params = this.model.namedParameters().filter(([n]) => n.startsWith('encoder.'));
        fitRouting(this.model.encoder, params, x.slice(0, 0, xs.size(0)), r.labels, { steps: this.cfg.routeInit, generator: gen });
      }
      return { pts: xs.toArray() as Point[], ctr: r.centres.toArray() as Point[], cluster: r.labels.toFlatArray() };
    });
    const groups = groupBy(pts, cluster, this.cfg.k);
    setCentres(this.means, this.logStds, Array.from({ length: this.cfg.m }, (_, latent) => ctr.map((centre, code) =>
      ({ latent, code, centre, std: spread(groups[code]!, centre), reason: 'dead' as const }))).flat(), this.minStd);
    if (this.mixtures) initMixtures(this.mixtures, groups, gen, this.minStd);
    if (this.covariances) initCovariances(this.covariances, groups, this.minStd);
    if (this.fullMixtures) initFullMixtures(this.fullMixtures, groups, gen, this.minStd);
  }

  /** After the optimizer step `step`: EMA refit and, when due, restarts. Returns the restart moves made. */
  afterStep(step: number, batch: CodeBatch, gen: Generator): number {
    if (this.refitDue(step)) {
      emaRefit(this.means, this.logStds, batch.x, batch.codes, this.cfg.centreDecay, this.minStd);
      if (this.mixtures) refitMixtures(this.mixtures, batch.x, batch.codes, this.cfg.centreDecay, this.minStd);
      if (this.covariances) refitCovariances(this.covariances, batch.x, batch.codes, this.cfg.centreDecay);
      if (this.fullMixtures) refitFullMixtures(this.fullMixtures, batch.x, batch.codes, this.cfg.centreDecay, this.minStd);
    }
    if (!this.restarts || !this.restartDue(step)) return 0;
    const points = tidy(() => batch.x.double().toArray() as Point[]);
    const moves = this.restarts.plan(points, batch.codes.toFlatArray(), this.centres(), gen);
    setCentres(this.means, this.logStds, moves, this.minStd);
    if (this.mixtures) moveMixtures(this.mixtures, moves, gen, this.minStd);
    if (this.covariances) moveCovariances(this.covariances, moves, this.minStd);
    if (this.fullMixtures) moveFullMixtures(this.fullMixtures, moves, gen, this.minStd);
    for (const mv of moves) if (mv.donor !== undefined) this.model.encoder?.splitCode?.(mv.latent, mv.donor, mv.code);
    return moves.length;
  }

  /** Centres [m][k][d]. */
  private centres(): Point[][] {
    return tidy(() => this.means.double().toArray() as Point[][]);
  }
}

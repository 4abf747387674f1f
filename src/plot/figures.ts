/**
 * The paper's figures from plain arrays/tensors: Fig. 3 (2-D toy: data | DM | DisCo-Diff with
 * trajectories), Fig. 4 (ODE curvature and Jacobian norm vs t), and loss vs σ.
 */
import type { Tensor } from '../engine/index.js';
import { FONT, type Axes } from './axes.js';
import { Figure } from './figure.js';
import { categoryColor } from './colors.js';
import { dataLimits } from './scale.js';
import { columns, legend, lineChart, polyline, scatter, type Curve, type XY } from './series.js';

/** Trajectories as states over time: Tensor [T, M, 2] or a list of T point sets [M, 2]. */
export type Trajectories = Tensor | XY[];

/** Per-sample polylines [M] of (xs, ys) from states over time. */
export function trajectoryPaths(tr: Trajectories): { xs: number[]; ys: number[] }[] {
  const cols = Array.isArray(tr) ? tr.map(columns) : Array.from({ length: tr.size(0) }, (_, t) => {
    const s = tr.select(0, t);
    try { return columns(s); } finally { s.dispose(); }
  });
  const M = cols[0]?.xs.length ?? 0;
  return Array.from({ length: M }, (_, m) => ({ xs: cols.map((c) => c.xs[m]!), ys: cols.map((c) => c.ys[m]!) }));
}

/** Data and samples for the paper's Fig. 3 panels. */
export interface Fig3Input {
  data: XY;
  /** Plain DM samples, and optionally some of its ODE trajectories. */
  dm: XY;
  dmTrajectories?: Trajectories;
  /** DisCo-Diff samples coloured by their latent code. */
  disco: XY;
  codes: ArrayLike<number> | Tensor;
  discoTrajectories?: Trajectories;
  /** Latent code of each DisCo-Diff trajectory (colours its line). */
  trajectoryCodes?: ArrayLike<number> | Tensor;
  /** Optional component labels colouring the data panel. */
  dataLabels?: ArrayLike<number> | Tensor;
}

/** Axis limits and titles of Fig. 3. */
export interface Fig3Options {
  /** Axis limits ±lim on both axes (the paper's toy sets: 4.5); default: the data panel's range on each axis. */
  lim?: number;
  titles?: [string, string, string];
  title?: string;
  /** A note in each panel's top-left corner, e.g. its W2. */
  notes?: [string?, string?, string?];
  alpha?: number;
  /** A legend of the latent codes in the DisCo-Diff panel (off by default: it hides points). */
  legend?: boolean;
}

/** Fig. 3: data | plain DM samples | DisCo-Diff samples by latent, with dotted ODE trajectories. */
export function fig3(path: string, d: Fig3Input, o: Fig3Options = {}): { width: number; height: number } {
  const alpha = o.alpha ?? 0.5;
  const titles = o.titles ?? ['Data', 'DM', 'DisCo-Diff (colour = latent z)'];
  const fig = new Figure({ cols: 3, panelWidth: 340, panelHeight: 340, title: o.title,
    margin: { left: 40, right: 12, top: 30, bottom: 30 } });
  const box = { ...fig3Limits(d.data, o.lim), equal: true };
  const codeList = (c: ArrayLike<number> | Tensor): number[] => ('dataSync' in c ? c.toFlatArray() : Array.from(c));
  const panels: [XY, (ArrayLike<number> | Tensor)?, Trajectories?, (ArrayLike<number> | Tensor)?][] = [
    [d.data, d.dataLabels],
    [d.dm, undefined, d.dmTrajectories],
    [d.disco, d.codes, d.discoTrajectories, d.trajectoryCodes],
  ];
  panels.forEach(([pts, cats, trajs, trajCodes], c) => {
    const ax = fig.axes(0, c, { ...box, title: titles[c] });
    scatter(ax, pts, cats === undefined ? { color: c === 0 ? '#444444' : '#1f77b4', alpha } : { categories: cats, alpha });
    if (trajs) {
      const codes = trajCodes === undefined ? null : codeList(trajCodes);
      trajectoryPaths(trajs).forEach((p, m) => {
        const color = codes ? categoryColor(codes[m]!) : '#333333';
        polyline(ax, p.xs, p.ys, { color, dash: 'dotted', width: 1.6, alpha: 0.9 });
        polyline(ax, p.xs.slice(-1), p.ys.slice(-1), { color, markers: true });   // the end point
      });
    }
    if (o.notes?.[c]) note(ax, o.notes[c]);
    if (c === 2 && o.legend) {
      const used = [...new Set(codeList(d.codes))].sort((a, b) => a - b);
      if (used.length <= 10) legend(ax, used.map((z) => ({ label: `z = ${z}`, color: categoryColor(z), dot: true })), 'best', columnsToPairs(d.disco));
    }
    ax.frame();
  });
  return fig.save(path);
}

/** ±lim on both axes, or the data's own range on each (padded, so no data point sits on the frame). */
function fig3Limits(data: XY, lim?: number): { xlim: [number, number]; ylim: [number, number] } {
  if (lim !== undefined) return { xlim: [-lim, lim], ylim: [-lim, lim] };
  const { xs, ys } = columns(data);
  return { xlim: dataLimits(xs, { pad: 0.08 }), ylim: dataLimits(ys, { pad: 0.08 }) };
}

function columnsToPairs(p: XY): [number, number][] {
  const { xs, ys } = columns(p);
  return xs.map((x, i) => [x, ys[i]!]);
}

/** Text in a white box at the axes' top-left corner. */
function note(ax: Axes, text: string): void {
  const ctx = ax.ctx, { x, y } = ax.rect;
  ctx.font = `12px ${FONT}`;
  const w = ctx.measureText(text).width + 10;
  ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
  ctx.fillRect(x + 6, y + 6, w, 20);
  ctx.fillStyle = '#222222';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x + 11, y + 16);
}

/** A model's curve of some quantity against t (or σ). */
export interface NamedCurve { label: string; t: ArrayLike<number>; value: ArrayLike<number>; color?: string }

const asCurves = (cs: NamedCurve[]): Curve[] =>
  cs.map((c, i) => ({ label: c.label, x: c.t, y: c.value, color: c.color ?? categoryColor(i), markers: c.t.length <= 60 }));

function limits(cs: NamedCurve[], key: 't' | 'value', log: boolean): [number, number] {
  return dataLimits(cs.flatMap((c) => Array.from(c[key])), { log, pad: 0.04 });
}

/** Axis scales and titles of Fig. 4. */
export interface Fig4Options {
  xlog?: boolean;
  curvatureYlog?: boolean;
  jacobianYlog?: boolean;
  xlabel?: string;
  title?: string;
}

/** Fig. 4: E[κ] vs t (left) and E||∇ₓG||_F² vs t (right) for several models (e.g. DM vs DisCo-Diff). */
export function fig4(path: string, d: { curvature: NamedCurve[]; jacobian: NamedCurve[] }, o: Fig4Options = {}):
  { width: number; height: number } {
  const xlog = o.xlog ?? true, xlabel = o.xlabel ?? 't (= σ)';
  const fig = new Figure({ cols: 2, panelWidth: 400, panelHeight: 320, title: o.title,
    margin: { left: 66, right: 16, top: 30, bottom: 48 } });
  const panels: [NamedCurve[], boolean, string, string][] = [
    [d.curvature, o.curvatureYlog ?? false, 'ODE curvature', 'E[κ]'],
    [d.jacobian, o.jacobianYlog ?? true, 'Network complexity', 'E‖∇ₓG‖² (Frobenius)'],
  ];
  panels.forEach(([cs, ylog, title, ylabel], c) => {
    const ax = fig.axes(0, c, { xlim: limits(cs, 't', xlog), ylim: limits(cs, 'value', ylog), xlog, ylog, title, xlabel, ylabel, grid: true });
    lineChart(ax, asCurves(cs));
    ax.frame();
  });
  return fig.save(path);
}

/** Loss per σ bin for several models on a log-σ axis. */
export function lossVsSigmaFigure(path: string, d: { sigma: ArrayLike<number>; series: { label: string; loss: ArrayLike<number>; color?: string }[] },
  o: { ylog?: boolean; title?: string; ylabel?: string } = {}): { width: number; height: number } {
  const cs: NamedCurve[] = d.series.map((s) => ({ label: s.label, t: d.sigma, value: s.loss, color: s.color }));
  const fig = new Figure({ panelWidth: 460, panelHeight: 340, margin: { left: 70, right: 16, top: 30, bottom: 48 } });
  const ylog = o.ylog ?? false;
  const ax = fig.axes(0, 0, { xlim: limits(cs, 't', true), ylim: limits(cs, 'value', ylog), xlog: true, ylog, grid: true,
    title: o.title ?? 'Denoising loss vs noise level', xlabel: 'σ', ylabel: o.ylabel ?? 'λ(σ)·‖D − y‖²' });
  lineChart(ax, asCurves(cs));
  ax.frame();
  return fig.save(path);
}

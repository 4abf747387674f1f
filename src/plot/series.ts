/** Data layers drawn into Axes: scatter points, polylines, line charts and legends. */
import type { Tensor } from '../engine/index.js';
import type { Axes } from './axes.js';
import { FONT } from './axes.js';
import { categoryColor, withAlpha } from './colors.js';

/** 2-D points: a tensor [n, 2] or rows [x, y]. */
export type XY = Tensor | number[][];

/** Columns of a point set. */
export function columns(p: XY): { xs: number[]; ys: number[] } {
  if (!Array.isArray(p) && (p.ndim !== 2 || p.size(1) !== 2)) throw new Error(`plot: expected points [n, 2], got [${p.shape}]`);
  const flat = Array.isArray(p) ? p.flat() : p.toFlatArray();
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) { xs.push(flat[i]!); ys.push(flat[i + 1]!); }
  return { xs, ys };
}

/** Solid, dashed or dotted strokes. */
export type Dash = 'solid' | 'dashed' | 'dotted';
const DASH: Record<Dash, number[]> = { solid: [], dashed: [6, 4], dotted: [1.5, 3] };

/** Colours, size and label of a scatter layer. */
export interface ScatterOptions {
  /** One colour for all points, or per-point categories coloured by the palette. */
  color?: string;
  categories?: ArrayLike<number> | Tensor;
  alpha?: number;
  radius?: number;
}

/** Points as filled dots (clipped to the axes). */
export function scatter(ax: Axes, pts: XY, o: ScatterOptions = {}): void {
  const { xs, ys } = columns(pts);
  const cats = o.categories === undefined ? null : 'dataSync' in o.categories ? o.categories.toFlatArray() : Array.from(o.categories);
  if (cats && cats.length !== xs.length) throw new Error(`scatter: ${cats.length} categories for ${xs.length} points`);
  const alpha = o.alpha ?? 0.6, r = o.radius ?? 1.6, ctx = ax.ctx;
  ax.clip(() => {
    for (let i = 0; i < xs.length; i++) {
      if (!ax.x.valid(xs[i]!) || !ax.y.valid(ys[i]!)) continue;
      ctx.fillStyle = withAlpha(cats ? categoryColor(cats[i]!) : o.color ?? '#1f77b4', alpha);
      ctx.beginPath();
      ctx.arc(ax.x.map(xs[i]!), ax.y.map(ys[i]!), r, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
}

/** Colour, width, dash and label of a line layer. */
export interface LineOptions {
  color?: string;
  width?: number;
  dash?: Dash;
  alpha?: number;
  /** Dots at the vertices. */
  markers?: boolean;
}

/** A polyline through (xs[i], ys[i]); invalid points (NaN, ≤ 0 on log axes) break the line. */
export function polyline(ax: Axes, xs: ArrayLike<number>, ys: ArrayLike<number>, o: LineOptions = {}): void {
  const ctx = ax.ctx, color = withAlpha(o.color ?? '#1f77b4', o.alpha ?? 1);
  ax.clip(() => {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = o.width ?? 1.5;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    ctx.setLineDash(DASH[o.dash ?? 'solid']);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      const ok = ax.x.valid(xs[i]!) && ax.y.valid(ys[i]!);
      if (!ok) { pen = false; continue; }
      const [px, py] = [ax.x.map(xs[i]!), ax.y.map(ys[i]!)];
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    if (o.markers) {
      for (let i = 0; i < xs.length; i++) {
        if (!ax.x.valid(xs[i]!) || !ax.y.valid(ys[i]!)) continue;
        ctx.beginPath();
        ctx.arc(ax.x.map(xs[i]!), ax.y.map(ys[i]!), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  });
}

/** A labelled curve of a line chart. */
export interface Curve {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dash?: Dash;
  markers?: boolean;
}

/** Curves in palette order (unless coloured) with a legend placed where it hides the fewest points. */
export function lineChart(ax: Axes, curves: Curve[], o: { legend?: LegendPosition } = {}): void {
  curves.forEach((c, i) => polyline(ax, c.x, c.y, { color: c.color ?? categoryColor(i), dash: c.dash, markers: c.markers, width: 2 }));
  const avoid = curves.flatMap((c) => Array.from(c.x, (x, i) => [x, c.y[i]!] as [number, number]));
  legend(ax, curves.map((c, i) => ({ label: c.label, color: c.color ?? categoryColor(i), dash: c.dash })), o.legend ?? 'best', avoid);
}

/** Where the legend goes; 'best' picks the emptiest corner. */
export type LegendPosition = 'best' | 'upper right' | 'upper left' | 'lower right' | 'lower left' | 'none';
const CORNERS = ['upper right', 'upper left', 'lower left', 'lower right'] as const;

/**
 * A boxed legend of line (or dot) samples in a corner of the axes; 'best' picks the corner whose
 * box covers the fewest of the data points `avoid` (and the segments between them).
 */
export function legend(ax: Axes, entries: { label: string; color: string; dash?: Dash; dot?: boolean }[],
  pos: LegendPosition = 'upper right', avoid: [number, number][] = []): void {
  if (pos === 'none' || entries.length === 0) return;
  const ctx = ax.ctx, fs = (ax.opts.fontSize ?? 11), lh = fs + 6, sw = 22;
  ctx.font = `${fs}px ${FONT}`;
  const w = Math.max(...entries.map((e) => ctx.measureText(e.label).width)) + sw + 18, h = entries.length * lh + 8;
  const { rect } = ax;
  const box = (p: (typeof CORNERS)[number]): [number, number] =>
    [p.endsWith('left') ? rect.x + 8 : rect.x + rect.w - w - 8, p.startsWith('upper') ? rect.y + 8 : rect.y + rect.h - h - 8];
  const px = avoid.filter(([a, b]) => ax.x.valid(a) && ax.y.valid(b)).map(([a, b]) => [ax.x.map(a), ax.y.map(b)] as const);
  const hits = (p: (typeof CORNERS)[number]): number => {
    const [bx, by] = box(p);
    const inside = (q: readonly [number, number]): boolean => q[0] >= bx && q[0] <= bx + w && q[1] >= by && q[1] <= by + h;
    let n = 0;
    for (let i = 0; i < px.length; i++) {
      if (inside(px[i]!)) n++;
      else if (i > 0) {                    // midpoints catch lines crossing the box between vertices
        const m = [(px[i]![0] + px[i - 1]![0]) / 2, (px[i]![1] + px[i - 1]![1]) / 2] as const;
        if (inside(m)) n++;
      }
    }
    return n;
  };
  const corner = pos === 'best' ? CORNERS.reduce((a, b) => (hits(b) < hits(a) ? b : a)) : pos;
  const [x, y] = box(corner);
  ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
  ctx.strokeStyle = '#bbbbbb';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.fillRect(x, y, w, h);
  ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
  entries.forEach((e, i) => {
    const cy = y + 4 + lh * i + lh / 2;
    ctx.strokeStyle = e.color;
    ctx.fillStyle = e.color;
    if (e.dot) {
      ctx.beginPath();
      ctx.arc(x + 6 + sw / 2, cy, 3.5, 0, 2 * Math.PI);
      ctx.fill();
    } else {
      ctx.lineWidth = 2;
      ctx.setLineDash(DASH[e.dash ?? 'solid']);
      ctx.beginPath();
      ctx.moveTo(x + 6, cy);
      ctx.lineTo(x + 6 + sw, cy);
      ctx.stroke();
      ctx.setLineDash([]);
    }
    ctx.fillStyle = '#222222';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(e.label, x + sw + 12, cy);
  });
}

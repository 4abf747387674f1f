/** Axes: a plot rectangle with x/y scales, a frame with ticks, tick labels, axis labels and title. */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { Scale, formatTick } from './scale.js';

/** The font of every figure. */
export const FONT = 'DejaVu Sans, sans-serif';

/** A rectangle in figure pixels. */
export interface Rect { x: number; y: number; w: number; h: number }

/** Limits, scales and labels of one plot. */
export interface AxesOptions {
  xlim?: [number, number];
  ylim?: [number, number];
  xlog?: boolean;
  ylog?: boolean;
  title?: string;
  xlabel?: string;
  ylabel?: string;
  /** Same data units per pixel on both axes (limits are widened to fit). */
  equal?: boolean;
  /** Draw tick marks and labels (default true). */
  ticks?: boolean;
  /** Light grid lines at the ticks. */
  grid?: boolean;
  fontSize?: number;
}

/** One plot inside a figure; `x`/`y` map data to pixels. */
export class Axes {
  readonly x: Scale;
  readonly y: Scale;
  constructor(readonly ctx: SKRSContext2D, readonly rect: Rect, readonly opts: AxesOptions = {}) {
    let [x0, x1] = opts.xlim ?? [0, 1];
    let [y0, y1] = opts.ylim ?? [0, 1];
    if (opts.equal && !opts.xlog && !opts.ylog) {            // widen the tighter axis around its centre
      const ux = (x1 - x0) / rect.w, uy = (y1 - y0) / rect.h, u = Math.max(ux, uy);
      const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      [x0, x1] = [cx - (u * rect.w) / 2, cx + (u * rect.w) / 2];
      [y0, y1] = [cy - (u * rect.h) / 2, cy + (u * rect.h) / 2];
    }
    this.x = new Scale(x0, x1, rect.x, rect.x + rect.w, opts.xlog);
    this.y = new Scale(y0, y1, rect.y + rect.h, rect.y, opts.ylog);
  }

  /** Runs `draw` clipped to the plot rectangle. */
  clip(draw: () => void): void {
    const { ctx, rect } = this;
    ctx.save();
    ctx.beginPath();
    ctx.rect(rect.x, rect.y, rect.w, rect.h);
    ctx.clip();
    try { draw(); } finally { ctx.restore(); }
  }

  /** White background (and grid); call before drawing data. */
  background(): void {
    const { ctx, rect } = this;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(rect.x, rect.y, rect.w, rect.h);
    if (!this.opts.grid) return;
    ctx.strokeStyle = '#e6e6e6';
    ctx.lineWidth = 1;
    ctx.setLineDash([]);
    for (const t of this.x.ticks()) this.line(this.x.map(t), rect.y, this.x.map(t), rect.y + rect.h);
    for (const t of this.y.ticks()) this.line(rect.x, this.y.map(t), rect.x + rect.w, this.y.map(t));
  }

  /** Frame, ticks, tick labels, axis labels and title; call after drawing data. */
  frame(): void {
    const { ctx, rect, opts } = this;
    const fs = opts.fontSize ?? 11;
    ctx.setLineDash([]);
    ctx.strokeStyle = '#222222';
    ctx.lineWidth = 1;
    ctx.strokeRect(rect.x + 0.5, rect.y + 0.5, rect.w - 1, rect.h - 1);
    ctx.fillStyle = '#222222';
    ctx.font = `${fs}px ${FONT}`;
    if (opts.ticks ?? true) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      for (const t of this.x.ticks()) {
        const px = this.x.map(t);
        this.line(px, rect.y + rect.h, px, rect.y + rect.h + 4);
        ctx.fillText(formatTick(t, this.x.log), px, rect.y + rect.h + 6);
      }
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      for (const t of this.y.ticks()) {
        const py = this.y.map(t);
        this.line(rect.x - 4, py, rect.x, py);
        ctx.fillText(formatTick(t, this.y.log), rect.x - 6, py);
      }
    }
    ctx.font = `${fs + 1}px ${FONT}`;
    if (opts.xlabel) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      ctx.fillText(opts.xlabel, rect.x + rect.w / 2, rect.y + rect.h + fs + 12);
    }
    if (opts.ylabel) {
      const width = Math.max(0, ...this.y.ticks().map((t) => ctx.measureText(formatTick(t, this.y.log)).width));
      ctx.save();
      ctx.translate(rect.x - width - 14, rect.y + rect.h / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(opts.ylabel, 0, 0);
      ctx.restore();
    }
    if (opts.title) {
      ctx.font = `bold ${fs + 2}px ${FONT}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(opts.title, rect.x + rect.w / 2, rect.y - 6);
    }
  }

  private line(x0: number, y0: number, x1: number, y1: number): void {
    this.ctx.beginPath();
    this.ctx.moveTo(x0, y0);
    this.ctx.lineTo(x1, y1);
    this.ctx.stroke();
  }
}

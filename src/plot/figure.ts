/** A figure: a canvas laid out as a grid of equal panels, each holding one Axes. */
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { Axes, FONT, type AxesOptions, type Rect } from './axes.js';
import { savePng } from './png.js';

/** Grid layout, in CSS pixels (the PNG is `scale` times larger). */
export interface FigureOptions {
  rows?: number;
  cols?: number;
  /** Size of one panel including its margins. */
  panelWidth?: number;
  panelHeight?: number;
  /** Space inside each panel around the axes (for ticks, labels, title). */
  margin?: { left: number; right: number; top: number; bottom: number };
  /** A title over the whole figure. */
  title?: string;
  /** Pixel density of the output (2 = crisp on high-DPI screens). */
  scale?: number;
}

const MARGIN = { left: 58, right: 14, top: 30, bottom: 46 };

/** A grid of panels on one canvas. */
export class Figure {
  readonly canvas: Canvas;
  readonly ctx: SKRSContext2D;
  readonly rows: number;
  readonly cols: number;
  readonly width: number;
  readonly height: number;
  private readonly o: Required<Omit<FigureOptions, 'title'>> & { title?: string };
  private readonly titleH: number;

  constructor(o: FigureOptions = {}) {
    this.o = { rows: 1, cols: 1, panelWidth: 360, panelHeight: 320, margin: MARGIN, scale: 2, ...o };
    this.rows = this.o.rows;
    this.cols = this.o.cols;
    this.titleH = o.title ? 28 : 0;
    this.width = this.cols * this.o.panelWidth;
    this.height = this.rows * this.o.panelHeight + this.titleH;
    this.canvas = createCanvas(Math.round(this.width * this.o.scale), Math.round(this.height * this.o.scale));
    this.ctx = this.canvas.getContext('2d');
    this.ctx.scale(this.o.scale, this.o.scale);
    this.ctx.fillStyle = '#ffffff';
    this.ctx.fillRect(0, 0, this.width, this.height);
    if (o.title) {
      this.ctx.fillStyle = '#111111';
      this.ctx.font = `bold 15px ${FONT}`;
      this.ctx.textAlign = 'center';
      this.ctx.textBaseline = 'middle';
      this.ctx.fillText(o.title, this.width / 2, this.titleH / 2 + 2);
    }
  }

  /** The axes rectangle of panel (row, col). */
  panelRect(row: number, col: number): Rect {
    if (row < 0 || row >= this.rows || col < 0 || col >= this.cols) throw new Error(`Figure: no panel (${row}, ${col}) in ${this.rows}×${this.cols}`);
    const { panelWidth: pw, panelHeight: ph, margin: m } = this.o;
    return { x: col * pw + m.left, y: this.titleH + row * ph + m.top, w: pw - m.left - m.right, h: ph - m.top - m.bottom };
  }

  /** New Axes in panel (row, col), background drawn; draw data, then call `frame()`. */
  axes(row: number, col: number, opts: AxesOptions = {}): Axes {
    const ax = new Axes(this.ctx, this.panelRect(row, col), opts);
    ax.background();
    return ax;
  }

  /** Writes the PNG atomically; returns its pixel size. */
  save(path: string): { width: number; height: number } {
    savePng(this.canvas, path);
    return { width: this.canvas.width, height: this.canvas.height };
  }
}

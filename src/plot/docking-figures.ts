/**
 * Ligand poses in a pocket, drawn flat: every pose's bonds as line segments projected on the two
 * principal axes of the panel set's atoms (one projection for all panels of a ligand, so panels
 * compare), pocket residues as grey dots, reference poses as thick dark outlines.
 */
import { Figure } from './figure.js';
import { symmetricEigen } from '../metrics/frechet.js';
import { legend, scatter } from './series.js';
import { withAlpha } from './colors.js';
import type { Axes } from './axes.js';

/** One pose: all atoms' coordinates [x, y, z, …] and its colour. */
export interface DrawnPose {
  coords: Float64Array;
  color: string;
}

/** One panel: sampled poses over reference poses (labelled in the legend). */
export interface PosePanel {
  title: string;
  poses: DrawnPose[];
  references: (DrawnPose & { label: string })[];
}

/** One ligand's row of panels: its bonds (atom index pairs), pocket points (Cα, flat xyz) and panels. */
export interface PoseRow {
  bonds: readonly { a: number; b: number }[];
  pocket: Float64Array;
  panels: PosePanel[];
}

/** Draws rows of pose panels into a PNG at `path`. */
export function posePanelsFigure(path: string, rows: PoseRow[], o: { title?: string } = {}): { width: number; height: number } {
  const cols = Math.max(...rows.map((r) => r.panels.length));
  const fig = new Figure({ rows: rows.length, cols, panelWidth: 340, panelHeight: 330, title: o.title,
    margin: { left: 14, right: 14, top: 30, bottom: 14 } });
  rows.forEach((row, r) => {
    const project = rowProjection(row);
    const pocket = project(row.pocket);
    const atoms = row.panels.flatMap((p) => [...p.references, ...p.poses].map((q) => project(q.coords))).flat();
    const xs = atoms.map((p) => p[0]!), ys = atoms.map((p) => p[1]!);
    const pad = 3;
    const lim = (v: number[]): [number, number] => [Math.min(...v) - pad, Math.max(...v) + pad];
    row.panels.forEach((panel, c) => {
      const ax = fig.axes(r, c, { xlim: lim(xs), ylim: lim(ys), equal: true, ticks: false, title: panel.title, fontSize: 11 });
      scatter(ax, pocket, { color: '#9a9a9a', alpha: 0.5, radius: 2.2 });
      for (const p of panel.poses) drawBonds(ax, project(p.coords), row.bonds, withAlpha(p.color, 0.55), 1.1);
      for (const p of panel.references) drawBonds(ax, project(p.coords), row.bonds, p.color, 3);
      legend(ax, panel.references.map((p) => ({ label: p.label, color: p.color })), 'lower right');
      ax.frame();
    });
  });
  return fig.save(path);
}

/** The map of a row's flat xyz coordinates to 2-D points on the two principal axes of its reference atoms. */
function rowProjection(row: PoseRow): (coords: Float64Array) => number[][] {
  const refs = row.panels.flatMap((p) => p.references.map((q) => q.coords));
  const fit = refs.length ? refs : row.panels.flatMap((p) => p.poses.map((q) => q.coords));
  const mean = [0, 0, 0], cov = new Float64Array(9);
  let n = 0;
  for (const c of fit) for (let i = 0; i < c.length; i += 3, n++) for (let k = 0; k < 3; k++) mean[k]! += c[i + k]!;
  for (let k = 0; k < 3; k++) mean[k]! /= Math.max(n, 1);
  for (const c of fit) {
    for (let i = 0; i < c.length; i += 3) {
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) cov[3 * a + b]! += (c[i + a]! - mean[a]!) * (c[i + b]! - mean[b]!);
    }
  }
  const { vectors } = symmetricEigen(cov, 3); // eigenvalues ascending; column j of `vectors` is the j-th eigenvector
  const axis = (j: number) => [0, 1, 2].map((r) => vectors[3 * r + j]!);
  const [u, v] = [axis(2), axis(1)];
  return (coords) => Array.from({ length: coords.length / 3 }, (_, i) => {
    const d = [0, 1, 2].map((k) => coords[3 * i + k]! - mean[k]!);
    return [d[0]! * u[0]! + d[1]! * u[1]! + d[2]! * u[2]!, d[0]! * v[0]! + d[1]! * v[1]! + d[2]! * v[2]!];
  });
}

function drawBonds(ax: Axes, pts: number[][], bonds: PoseRow['bonds'], color: string, width: number): void {
  const ctx = ax.ctx;
  ax.clip(() => {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.lineCap = 'round';
    ctx.beginPath();
    for (const { a, b } of bonds) {
      ctx.moveTo(ax.x.map(pts[a]![0]!), ax.y.map(pts[a]![1]!));
      ctx.lineTo(ax.x.map(pts[b]![0]!), ax.y.map(pts[b]![1]!));
    }
    ctx.stroke();
  });
}

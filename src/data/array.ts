/**
 * A user's points as a data set for the vector (MLP) models: an .npy file (float32 or float64
 * [N, D]) or a CSV file (one row per point), and optional integer labels (an .npy int32/int64 [N]
 * or a one-column CSV). The labels become the data's `components`, which the analyses compare the
 * codes with, as the toy sets' mixture components; the models never condition on them. Each
 * problem is one line naming the config key, the file and what is wrong.
 */
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { tensor, tidy, type Tensor } from '../engine/index.js';
import { ArrayDataConfig, LIMITS } from '../config/schema.js';
import { readNumericCsv } from '../io/csv.js';
import { loadNpy } from '../io/npy.js';
import type { Dataset } from './dataset.js';

/** An array read from the file a config key names; `lines` holds each row's line in a CSV, null for .npy. */
interface Source {
  key: 'data.path' | 'data.labels';
  path: string;
  t: Tensor;
  lines: Uint32Array | null;
}

/** An error naming the config key, the file and the problem. */
const fail = (s: Pick<Source, 'key' | 'path'>, why: string): Error => new Error(`${s.key}: ${s.path}: ${why}`);

/** Row `i` (and column `j`) as a message names it: line and column in a CSV, from 1; indices in an .npy, from 0. */
function cell(s: Source, i: number, j?: number): string {
  if (s.lines) return `line ${s.lines[i]}${j === undefined ? '' : `, column ${j + 1}`}`;
  return `row ${i}${j === undefined ? '' : `, column ${j}`} (counting from 0)`;
}

/** Reads `path` by its extension; the readers' own errors (which name the file) get the key in front. */
function readSource(key: Source['key'], path: string): Source {
  const at = { key, path };
  const ext = extname(path).toLowerCase();
  if (ext !== '.npy' && ext !== '.csv') throw fail(at, 'the name ends in neither .npy nor .csv (the extension gives the format)');
  if (!existsSync(path)) throw fail(at, 'file not found');
  const st = statSync(path);
  if (st.isFile() && st.size === 0) throw fail(at, 'empty file (0 bytes)');
  try {
    if (ext === '.npy') return { ...at, t: loadNpy(path), lines: null };
    const csv = readNumericCsv(path);
    return { ...at, t: tensor(csv.values, { dtype: 'float64', shape: [csv.rows, csv.cols] }), lines: csv.lines };
  } catch (e) {
    throw new Error(`${key}: ${(e as Error).message}`);
  }
}

/** The flat index of the first true element of a bool tensor, or -1. */
function firstTrue(mask: Tensor): number {
  const m = mask.flatten().long();
  return m.sum().item() > 0 ? m.argmax(0).item() : -1;
}

/** Element `i` of `t` in row-major order, as a JS number. */
const valueAt = (t: Tensor, i: number): number => t.flatten().select(0, i).item();

/**
 * The points as float32 [N, D]: refuses NaN and ±Inf, and float64 values beyond float32's range,
 * naming the row.
 */
function loadPoints(path: string): Tensor {
  const s = readSource('data.path', path);
  const t = s.t;
  if (t.ndim !== 2) throw fail(s, `shape [${t.shape}] is not 2-D: points are an array [N, D]`);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw fail(s, `dtype ${t.dtype} is not supported (points are float32 or float64)`);
  const [n, d] = t.shape as [number, number];
  if (n === 0) throw fail(s, `holds no points (shape [${t.shape}])`);
  if (d === 0) throw fail(s, `its points have no coordinates (shape [${t.shape}])`);
  if (d > LIMITS.dims) throw fail(s, `${d} coordinates per point are more than the ${LIMITS.dims} a point may have (LIMITS.dims)`);
  const bad = firstTrue(t.isfinite().logicalNot());
  if (bad >= 0) {
    const v = valueAt(t, bad);
    throw fail(s, `${cell(s, Math.floor(bad / d), bad % d)} holds ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf'}`);
  }
  const x = t.float();
  const over = firstTrue(x.isfinite().logicalNot());
  if (over >= 0) {
    throw fail(s, `${cell(s, Math.floor(over / d), over % d)} holds ${valueAt(t, over)}, beyond float32's range (±3.4e38)`);
  }
  return x;
}

/** The labels as int64 [n]: int32/int64 from an .npy, whole numbers from a one-column CSV. */
function loadLabels(path: string, n: number, pointsPath: string): Tensor {
  const s = readSource('data.labels', path);
  let t = s.t;
  if (s.lines) {
    if (t.size(1) !== 1) throw fail(s, `${t.size(1)} columns, but labels are one column`);
    const bad = firstTrue(t.ne(t.round()).logicalOr(t.abs().gt(Number.MAX_SAFE_INTEGER)));
    if (bad >= 0) throw fail(s, `${cell(s, bad)}: ${valueAt(t, bad)} is not an integer label`);
    t = t.flatten();
  } else {
    if (t.ndim !== 1) throw fail(s, `shape [${t.shape}] is not 1-D: labels are an array [N]`);
    if (t.dtype !== 'int32' && t.dtype !== 'int64') throw fail(s, `dtype ${t.dtype} is not supported (labels are int32 or int64)`);
  }
  if (t.size(0) === 0) throw fail(s, 'holds no labels');
  if (t.size(0) !== n) throw fail(s, `${t.size(0)} labels for the ${n} points of ${pointsPath}`);
  return t.long();
}

/**
 * The data set of a config of kind 'array': points float32 [N, D], and the labels (if any) as
 * int64 [N] `components`; unconditional (no class labels). Keys not given take the schema's defaults.
 */
export function loadArrayData(cfg: Pick<ArrayDataConfig, 'path'> & Partial<ArrayDataConfig>): Dataset {
  const { path, labels } = ArrayDataConfig.parse({ ...cfg, kind: 'array' });
  return tidy(() => {
    const x = loadPoints(path);
    const components = labels === null ? undefined : loadLabels(labels, x.size(0), path);
    return { name: `array:${path}`, x, labels: null, numClasses: 0, components };
  });
}

/**
 * Numeric CSV files: comma-separated numbers, one row per line, and an optional header row of
 * names (a first row none of whose cells is a number). Blank lines and lines starting with '#' are
 * skipped; 'nan', 'inf' and '-inf' (as NumPy writes them) read as NaN and ±Infinity, so that a
 * caller can refuse them naming the row. Errors name the file and the line.
 */
import { readFileNamed } from './read.js';

/** The largest CSV file read (a string holds at most ~512 M characters; larger data belong in .npy). */
export const MAX_CSV_BYTES = 256 * 2 ** 20;

/** A numeric table read from a CSV file. */
export interface NumericTable {
  /** The header's names, or null when the file has none. */
  names: string[] | null;
  rows: number;
  cols: number;
  /** The values, row-major [rows, cols]. */
  values: Float64Array;
  /** The line (1-based) of each row in the file, for messages. */
  lines: Uint32Array;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** A cell's number, or null when it is not one. */
function parseCell(cell: string): number | null {
  if (DECIMAL.test(cell)) return Number(cell);
  const m = SPECIAL.exec(cell);
  if (!m) return null;
  return m[2]!.toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
}

/** `a`, or a copy at least `need` long (doubling), for tables that grow row by row. */
function grown<T extends Float64Array | Uint32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}

/** Reads a numeric CSV file (at most MAX_CSV_BYTES); `what` names the kind of file in errors. */
export function readNumericCsv(path: string, what = 'CSV file'): NumericTable {
  const text = readFileNamed(path, what, MAX_CSV_BYTES).toString('utf8').replace(/^\uFEFF/, '');
  const at = (line: number) => `${what} ${path} line ${line}`;
  let names: string[] | null = null, cols = 0, first = 0, rows = 0;
  let values = new Float64Array(1024), lines = new Uint32Array(256);
  for (let start = 0, lineNo = 1; start < text.length; lineNo++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (!first) {
      [first, cols] = [lineNo, cells.length];
      if (cells.every((c) => parseCell(c) === null)) {
        names = cells.map((c) => c.replace(/^"(.*)"$/, '$1'));
        continue;
      }
    } else if (cells.length !== cols) {
      throw new Error(`${at(lineNo)}: ${cells.length} cells, but line ${first} has ${cols}`);
    }
    values = grown(values, (rows + 1) * cols);
    for (let c = 0; c < cols; c++) {
      const v = parseCell(cells[c]!);
      if (v === null) {
        const header = lineNo === first ? ' (a header row may hold no numbers)' : '';
        throw new Error(`${at(lineNo)}, column ${c + 1}: ${cells[c] ? `'${cells[c]}' is not a number` : 'empty cell'}${header}`);
      }
      values[rows * cols + c] = v;
    }
    lines = grown(lines, rows + 1);
    lines[rows++] = lineNo;
  }
  if (!rows) throw new Error(`${what} ${path} holds no rows${names ? ' (only a header)' : ''}`);
  return { names, rows, cols, values: values.slice(0, rows * cols), lines: lines.slice(0, rows) };
}

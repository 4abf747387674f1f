/**
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzipped: a big-endian header
 * [0, 0, type, ndim] + ndim uint32 sizes, then the raw elements. Only unsigned bytes (type 0x08)
 * occur in these datasets: magic 0x00000801 = labels [N], 0x00000803 = images [N, H, W].
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

/** An IDX array: its sizes and its unsigned bytes (row-major). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Parses IDX bytes (gunzipped first if they start with the gzip magic 1f 8b). */
export function decodeIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new Error(`${source}: corrupt gzip stream (${(e as Error).message}); the file is damaged or truncated`);
    }
  }
  if (buf.length < 4) throw new Error(`${source}: only ${buf.length} bytes, too short for an IDX header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  const type = buf[2]!, ndim = buf[3]!;
  if (buf[0] !== 0 || buf[1] !== 0 || ndim === 0) {
    throw new Error(`${source}: bad magic number 0x${magic.toString(16).padStart(8, '0')}, not an IDX file ` +
      '(expected 0x00000801 for labels or 0x00000803 for images)');
  }
  if (type !== UBYTE) {
    throw new Error(`${source}: IDX element type 0x${type.toString(16)} is not supported (only unsigned bytes, 0x08)`);
  }
  const head = 4 + 4 * ndim;
  if (buf.length < head) throw new Error(`${source}: truncated header (${buf.length} bytes, needs ${head} for ${ndim} dims)`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const n = dims.reduce((a, b) => a * b, 1);
  if (buf.length - head < n) {
    throw new Error(`${source}: truncated file: dims [${dims}] need ${n} bytes of data, found ${buf.length - head}`);
  }
  return { dims, data: buf.subarray(head, head + n) };
}

/** Reads an IDX file (plain or .gz); `expectNdim` checks for labels (1) or images (3). */
export function readIdx(path: string, expectNdim?: number): IdxArray {
  if (!existsSync(path)) throw new Error(`IDX file not found: ${path}`);
  const a = decodeIdx(readFileSync(path), path);
  if (expectNdim !== undefined && a.dims.length !== expectNdim) {
    const want = expectNdim === 1 ? 'labels (magic 0x00000801)' : expectNdim === 3 ? 'images (magic 0x00000803)' : `${expectNdim} dims`;
    throw new Error(`${path}: expected ${want}, found an IDX array of ${a.dims.length} dims [${a.dims}]`);
  }
  return a;
}

/** Encodes unsigned bytes as IDX (gzipped with `gzip`), e.g. to write test fixtures. */
export function encodeIdx(dims: number[], data: Uint8Array, gzip = false): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`encodeIdx: ${data.length} bytes do not fill dims [${dims}]`);
  const out = new Uint8Array(4 + 4 * dims.length + n);
  const view = new DataView(out.buffer);
  view.setUint32(0, (UBYTE << 8) | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return gzip ? gzipSync(out) : out;
}

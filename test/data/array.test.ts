// Data of kind 'array' (issue #23, "your own vectors"): points from an .npy (as NumPy and saveNpy
// write it) or a CSV file, optional labels as the data's components, and every bad input refused
// with one line naming the config key, the file and the problem.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveTensors, setNumThreads, tensor, tidy, zeros } from '../../src/engine/index.js';
import { saveNpy } from '../../src/io/npy.js';
import { parseConfig } from '../../src/config/load.js';
import { LIMITS } from '../../src/config/schema.js';
import { loadArrayData, loadDataset, type Dataset } from '../../src/data/index.js';
import { buildBackbone } from '../../src/networks/build.js';

before(() => setNumThreads(1));

const dir = mkdtempSync(join(tmpdir(), 'dd-array-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** A file in the temp folder with `text`; its path. */
function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** An .npy of `values` written by saveNpy; its path. */
function npy(name: string, values: number[] | number[][], dtype: 'float32' | 'float64' | 'int32' | 'int64' = 'float32'): string {
  const p = join(dir, name);
  tidy(() => saveNpy(p, tensor(values, { dtype })));
  return p;
}

/** The dataset's points, components and dtype as plain values, then disposed. */
function contents(d: Dataset): { x: number[][]; dtype: string; components: number[] | null } {
  try {
    return { x: d.x.toArray() as number[][], dtype: d.x.dtype, components: d.components ? d.components.toFlatArray() : null };
  } finally {
    d.x.dispose();
    d.components?.dispose();
  }
}

/** Asserts that loading throws one line matching `re` and leaves no tensor behind. */
function refused(cfg: { path: string; labels?: string }, re: RegExp): void {
  const live = liveTensors();
  assert.throws(() => loadArrayData(cfg), (e: Error) => {
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return true;
  });
  assert.equal(liveTensors(), live, `tensors left behind by ${cfg.path}`);
}

const POINTS = [[0.5, -1, 2], [3.25, 0, -0.125], [1e-3, 7, 8]];

test('an .npy written by NumPy loads: float64 points become float32, int32 labels become components', (t) => {
  const x = join(dir, 'numpy-x.npy'), y = join(dir, 'numpy-y.npy');
  const py = spawnSync('/usr/bin/python3', ['-c', `import numpy as np, sys
np.save(sys.argv[1], np.array(${JSON.stringify(POINTS)}, dtype=np.float64))
np.save(sys.argv[2], np.array([2, 0, 1], dtype=np.int32))`, x, y], { encoding: 'utf8' });
  if (py.error || (py.status !== 0 && /No module named .?numpy/.test(py.stderr))) {
    t.skip('python3 with numpy is not installed: the NumPy-written case is skipped');
    return;
  }
  assert.equal(py.status, 0, py.stderr);
  const d = contents(loadArrayData({ path: x, labels: y }));
  assert.equal(d.dtype, 'float32');
  assert.deepEqual(d.x, POINTS.map((r) => r.map(Math.fround)));
  assert.deepEqual(d.components, [2, 0, 1]);
});

test('a round trip through saveNpy, and the config path through loadDataset', async () => {
  const x = npy('own.npy', POINTS);
  const d = await loadDataset({ kind: 'array', path: x, labels: null }, 0);
  assert.equal(d.name, `array:${x}`);
  assert.deepEqual([d.labels, d.numClasses], [null, 0]);
  assert.deepEqual(contents(d), { x: POINTS.map((r) => r.map(Math.fround)), dtype: 'float32', components: null });
  // float64 from saveNpy, one coordinate per point (D = 1).
  const one = contents(loadArrayData({ path: npy('d1.npy', [[1.5], [-2], [0.1]], 'float64') }));
  assert.deepEqual([one.dtype, one.x], ['float32', [[1.5], [-2], [Math.fround(0.1)]]]);
});

test('CSV points with and without a header, CRLF, comments and blank lines; labels from .npy and CSV', () => {
  const plain = file('plain.csv', '0.5,-1,2\n3.25, 0 ,-1.25e-1\n1e-3,7,8\n');
  const headed = file('headed.csv', '\uFEFF# written by hand\r\n"x","y","z"\r\n0.5,-1,2\r\n\r\n3.25,0,-0.125\r\n.001,+7,8');
  const want = POINTS.map((r) => r.map(Math.fround));
  assert.deepEqual(contents(loadArrayData({ path: plain })).x, want);
  assert.deepEqual(contents(loadArrayData({ path: headed })).x, want);
  assert.deepEqual(contents(loadArrayData({ path: plain, labels: npy('y64.npy', [5, -1, 5], 'int64') })).components, [5, -1, 5]);
  assert.deepEqual(contents(loadArrayData({ path: plain, labels: file('y.csv', 'label\n1\n0\n3\n') })).components, [1, 0, 3]);
});

test('missing, empty and unknown files are refused naming the key and the file', () => {
  const x = npy('ok.npy', POINTS);
  refused({ path: join(dir, 'nope.npy') }, /^data\.path: .*nope\.npy: file not found$/);
  refused({ path: x, labels: join(dir, 'nope.csv') }, /^data\.labels: .*nope\.csv: file not found$/);
  refused({ path: file('empty.npy', '') }, /^data\.path: .*empty\.npy: empty file \(0 bytes\)$/);
  refused({ path: file('empty.csv', '') }, /^data\.path: .*empty\.csv: empty file/);
  refused({ path: file('points.txt', '1,2\n') }, /^data\.path: .*points\.txt: the name ends in neither \.npy nor \.csv/);
  refused({ path: file('junk.npy', 'not numpy') }, /^data\.path: bad \.npy file .*junk\.npy: missing the \\x93NUMPY magic$/);
});

test('zero rows, wrong ranks and unsupported dtypes are refused', () => {
  const x = npy('ok3.npy', POINTS);
  refused({ path: tidy(() => { const p = join(dir, 'zero.npy'); saveNpy(p, zeros([0, 3])); return p; }) },
    /^data\.path: .*zero\.npy: holds no points \(shape \[0,3\]\)$/);
  refused({ path: tidy(() => { const p = join(dir, 'nod.npy'); saveNpy(p, zeros([4, 0])); return p; }) },
    /^data\.path: .*nod\.npy: its points have no coordinates \(shape \[4,0\]\)$/);
  refused({ path: file('header-only.csv', 'x,y\n\n') }, /^data\.path: CSV file .*header-only\.csv holds no rows \(only a header\)$/);
  refused({ path: npy('flat.npy', [1, 2, 3]) }, /^data\.path: .*flat\.npy: shape \[3\] is not 2-D: points are an array \[N, D\]$/);
  refused({ path: npy('int.npy', [[1, 2]], 'int64') }, /^data\.path: .*int\.npy: dtype int64 is not supported \(points are float32 or float64\)$/);
  refused({ path: x, labels: npy('y2d.npy', [[0], [1], [2]], 'int64') }, /^data\.labels: .*y2d\.npy: shape \[3,1\] is not 1-D: labels are an array \[N\]$/);
  refused({ path: x, labels: npy('yf.npy', [0, 1, 2], 'float64') }, /^data\.labels: .*yf\.npy: dtype float64 is not supported \(labels are int32 or int64\)$/);
  refused({ path: x, labels: tidy(() => { const p = join(dir, 'y0.npy'); saveNpy(p, zeros([0], { dtype: 'int64' })); return p; }) },
    /^data\.labels: .*y0\.npy: holds no labels$/);
  refused({ path: x, labels: file('y2.csv', '0,1\n1,0\n2,2\n') }, /^data\.labels: .*y2\.csv: 2 columns, but labels are one column$/);
});

test('NaN, Inf and values beyond float32 are refused naming the first such row (and its line in a CSV)', () => {
  refused({ path: npy('nan.npy', [[0, 1], [2, 3], [4, NaN], [NaN, 0]], 'float64') },
    /^data\.path: .*nan\.npy: row 2, column 1 \(counting from 0\) holds NaN$/);
  refused({ path: npy('inf.npy', [[0, 1], [-Infinity, 3]]) }, /^data\.path: .*inf\.npy: row 1, column 0 \(counting from 0\) holds -Inf$/);
  refused({ path: npy('big.npy', [[0, 1], [1e300, 3]], 'float64') },
    /^data\.path: .*big\.npy: row 1, column 0 \(counting from 0\) holds 1e\+300, beyond float32's range/);
  refused({ path: file('nan.csv', 'a,b\n1,2\n\n3,nan\n') }, /^data\.path: .*nan\.csv: line 4, column 2 holds NaN$/);
  refused({ path: file('inf.csv', '1,2\n3,4\ninf,4\n') }, /^data\.path: .*inf\.csv: line 3, column 1 holds Inf$/);
});

test('ragged CSV rows, non-numeric cells and bad labels are refused naming the line', () => {
  const x = file('three.csv', '1,2\n3,4\n5,6\n');
  refused({ path: file('ragged.csv', 'x,y\n1,2\n3,4,5\n') }, /^data\.path: CSV file .*ragged\.csv line 3: 3 cells, but line 1 has 2$/);
  refused({ path: file('word.csv', '1,2\n3,abc\n') }, /^data\.path: CSV file .*word\.csv line 2, column 2: 'abc' is not a number$/);
  refused({ path: file('hole.csv', '1,2\n3,\n') }, /^data\.path: CSV file .*hole\.csv line 2, column 2: empty cell$/);
  refused({ path: file('mixed.csv', 'x,1\n3,4\n') }, /line 1, column 1: 'x' is not a number \(a header row may hold no numbers\)$/);
  refused({ path: x, labels: file('yhalf.csv', '0\n1.5\n2\n') }, /^data\.labels: .*yhalf\.csv: line 2: 1\.5 is not an integer label$/);
  refused({ path: x, labels: file('yshort.csv', '0\n1\n') }, /^data\.labels: .*yshort\.csv: 2 labels for the 3 points of .*three\.csv$/);
  refused({ path: x, labels: npy('ylong.npy', [0, 1, 2, 3], 'int32') }, /^data\.labels: .*ylong\.npy: 4 labels for the 3 points of .*three\.csv$/);
});

test('more coordinates per point than LIMITS.dims are refused', () => {
  const p = tidy(() => { const q = join(dir, 'wide.npy'); saveNpy(q, zeros([1, LIMITS.dims + 1])); return q; });
  refused({ path: p }, new RegExp(`^data\\.path: .*wide\\.npy: ${LIMITS.dims + 1} coordinates per point are more than the ${LIMITS.dims} a point may have \\(LIMITS\\.dims\\)$`));
});

test('a run config takes data.kind array with the MLP; a U-Net on such data is refused when built', () => {
  const cfg = parseConfig({ data: { kind: 'array', path: 'x.npy' }, model: { kind: 'mlp' } });
  assert.deepEqual(cfg.data, { kind: 'array', path: 'x.npy', labels: null });
  assert.equal(parseConfig({ data: { kind: 'array', path: 'x.csv', labels: 'y.csv' }, model: { kind: 'mlp' } }).data.kind, 'array');
  assert.throws(() => parseConfig({ data: { kind: 'array' }, model: { kind: 'mlp' } }), /data\.path: /);
  assert.throws(() => parseConfig({ data: { kind: 'array', path: 'x.npy', n: 5 }, model: { kind: 'mlp' } }), /data: Unrecognized key.*"n"/);
  const unet = parseConfig({ data: { kind: 'array', path: 'x.npy' }, model: { kind: 'unet' } });
  assert.throws(() => buildBackbone(unet, { shape: [3], numClasses: 0, sigmaData: 1 }),
    /^Error: model 'unet' needs square images \[C, H, W\], got \[3\]$/);
});

/**
 * Exact linear assignment (min-cost perfect matching) on a dense n×n cost matrix.
 *
 * Shortest augmenting paths with dual potentials (Jonker–Volgenant / Hungarian, in its
 * Dijkstra form), run on a sparse candidate graph: each row's and each column's `k` cheapest
 * partners. The sparse optimum is then certified on the dense problem by LP duality — every
 * reduced cost c_ij − u_i − v_j must be ≥ 0 — and rows that violate it get the violating edges,
 * are unmatched and re-augmented, until the certificate holds. So the result is exact for any
 * cost matrix (O(n³) worst case), while on geometric costs almost all work is sparse.
 */

/** An optimal assignment: row i ↦ column `rowToCol[i]`, its total cost, and the solver's effort. */
export interface Assignment {
  rowToCol: Int32Array;
  colToRow: Int32Array;
  cost: number;
  /** Dense certification rounds that were needed (1 = the sparse optimum was already optimal). */
  rounds: number;
}

/** Options: `k` candidate partners per row and per column. */
export interface AssignmentOptions {
  k?: number;
}

/** Solves min Σ_i cost[i, rowToCol[i]] for a row-major n×n matrix of finite costs. */
export function linearAssignment(cost: Float64Array, n: number, o: AssignmentOptions = {}): Assignment {
  if (cost.length !== n * n) throw new Error(`linearAssignment: cost has ${cost.length} entries, expected ${n}×${n}`);
  const k = Math.min(n, o.k ?? 16);
  const adj = candidates(cost, n, k);
  const x = new Int32Array(n).fill(-1);   // row → column
  const y = new Int32Array(n).fill(-1);   // column → row
  const u = new Float64Array(n);          // row potentials
  const v = new Float64Array(n);          // column potentials; reduced cost r_ij = c_ij − u_i − v_j ≥ 0
  // Start: u_i = row minimum, and each row takes its cheapest column if still free (a tight edge).
  const free: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = -1;
    u[i] = Infinity;
    for (const j of adj[i]!) if (cost[i * n + j]! < u[i]!) { u[i] = cost[i * n + j]!; best = j; }
    if (y[best]! < 0) { x[i] = best; y[best] = i; } else free.push(i);
  }
  const sp = new ShortestPaths(n);
  const tol = 1e-12 * (1 + maxAbs(cost));
  let rounds = 0;
  for (;;) {
    for (const i of free) sp.augment(cost, n, i, adj, x, y, u, v);
    rounds++;
    free.length = 0;
    // Certificate: min_j (c_ij − v_j) ≥ u_i for every row; violators get their violating edges.
    for (let i = 0; i < n; i++) {
      const o = i * n, ui = u[i]!;
      let bad: number[] | null = null;
      for (let j = 0; j < n; j++) if (cost[o + j]! - v[j]! - ui < -tol) (bad ??= []).push(j);
      if (!bad) continue;
      const have = new Set(adj[i]);
      for (const j of bad) if (!have.has(j)) adj[i]!.push(j);
      y[x[i]!] = -1;
      x[i] = -1;
      u[i] = Infinity;                        // a free row may lower u_i: no tight edge to keep
      for (const j of adj[i]!) u[i] = Math.min(u[i]!, cost[o + j]! - v[j]!);
      free.push(i);
    }
    if (free.length === 0) break;
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += cost[i * n + x[i]!]!;
  return { rowToCol: x, colToRow: y, cost: total, rounds };
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/**
 * The candidate graph: each row's k cheapest columns and each column's k cheapest rows, plus,
 * for long-range moves (mass crossing between clusters), each row's `k/4` cheapest columns
 * within nested pseudo-random column subsets of size n/4, n/16, … (a multi-scale graph).
 */
function candidates(c: Float64Array, n: number, k: number): number[][] {
  const adj: number[][] = Array.from({ length: n }, () => []);
  const buf = new Float64Array(n);
  const perm = Array.from({ length: n }, (_, j) => j);
  for (let j = n - 1, s = 12345; j > 0; j--) {             // fixed shuffle (LCG): deterministic results
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = s % (j + 1);
    [perm[j], perm[r]] = [perm[r]!, perm[j]!];
  }
  const kc = Math.max(2, k >> 2);
  for (let i = 0; i < n; i++) {
    const o = i * n, mine = adj[i]!;
    buf.set(c.subarray(o, o + n));
    mine.push(...smallest(buf, n, k));
    for (let m = n >> 2; m > kc; m >>= 2) {
      for (let a = 0; a < m; a++) buf[a] = c[o + perm[a]!]!;
      for (const a of smallest(buf, m, kc)) if (!mine.includes(perm[a]!)) mine.push(perm[a]!);
    }
  }
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) buf[i] = c[i * n + j]!;
    for (const i of smallest(buf, n, k)) if (!adj[i]!.includes(j)) adj[i]!.push(j);
  }
  return adj;
}

/** Indices of the k smallest of a[0..n) (ties broken by index); reorders a copy only. */
function smallest(a: Float64Array, n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  const kth = select(Float64Array.from(a.subarray(0, n)), k - 1);
  const out: number[] = [];
  for (let i = 0; i < n && out.length < k; i++) if (a[i]! < kth) out.push(i);
  for (let i = 0; i < n && out.length < k; i++) if (a[i]! === kth) out.push(i);
  return out;
}

/** The r-th smallest value of `a` (Hoare quickselect, in place). */
function select(a: Float64Array, r: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    const p = a[(lo + hi) >> 1]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < p) i++;
      while (a[j]! > p) j--;
      if (i <= j) { const t = a[i]!; a[i++] = a[j]!; a[j--] = t; }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else break;
  }
  return a[r]!;
}

/** Dijkstra on reduced costs from one free row to the nearest free column, with a binary heap. */
class ShortestPaths {
  private dist: Float64Array;
  private pred: Int32Array;
  private done: Uint8Array;
  private touched: number[] = [];
  private heapKey = new Float64Array(64);
  private heapVal = new Int32Array(64);
  private size = 0;

  constructor(n: number) {
    this.dist = new Float64Array(n).fill(Infinity);
    this.pred = new Int32Array(n);
    this.done = new Uint8Array(n);
  }

  /** Matches free row s along a shortest augmenting path and updates the potentials (JV §2). */
  augment(c: Float64Array, n: number, s: number, adj: number[][], x: Int32Array, y: Int32Array, u: Float64Array,
    v: Float64Array): void {
    const { dist, pred, done } = this;
    const rows = [s], rowDist = [0], cols: number[] = [];
    let end = -1;
    this.scan(c, n, s, 0, adj[s]!, u, v);
    while (end < 0) {
      if (this.size === 0) {                   // sparse graph exhausted: give s every column, restart
        this.reset();
        adj[s] = Array.from({ length: n }, (_, j) => j);
        u[s] = Infinity;
        for (let j = 0; j < n; j++) u[s] = Math.min(u[s]!, c[s * n + j]! - v[j]!);
        return this.augment(c, n, s, adj, x, y, u, v);
      }
      const j = this.pop();
      if (done[j]) continue;
      done[j] = 1;
      cols.push(j);
      if (y[j]! < 0) { end = j; break; }
      const i = y[j]!;                          // the matched edge (i, j) is tight: row i is at dist[j]
      rows.push(i);
      rowDist.push(dist[j]!);
      this.scan(c, n, i, dist[j]!, adj[i]!, u, v);
    }
    // Potentials: settled nodes move by the slack to the path length L, keeping all r ≥ 0.
    const L = dist[end]!;
    for (let a = 0; a < rows.length; a++) u[rows[a]!] = u[rows[a]!]! + L - rowDist[a]!;
    for (const j of cols) v[j] = v[j]! - (L - dist[j]!);
    for (let j = end; ;) {                      // flip the path
      const i = pred[j]!, next = x[i]!;
      x[i] = j;
      y[j] = i;
      if (i === s) break;
      j = next;
    }
    this.reset();
  }

  private scan(c: Float64Array, n: number, i: number, di: number, cols: number[], u: Float64Array, v: Float64Array): void {
    const o = i * n, base = di - u[i]!;
    for (const j of cols) {
      if (this.done[j]) continue;
      const d = base + c[o + j]! - v[j]!;
      if (d < this.dist[j]!) {
        if (this.dist[j] === Infinity) this.touched.push(j);
        this.dist[j] = d;
        this.pred[j] = i;
        this.push(d, j);
      }
    }
  }

  private reset(): void {
    for (const j of this.touched) { this.dist[j] = Infinity; this.done[j] = 0; }
    this.touched.length = 0;
    this.size = 0;
  }

  private push(key: number, val: number): void {
    if (this.size === this.heapKey.length) {
      const k = new Float64Array(this.size * 2), w = new Int32Array(this.size * 2);
      k.set(this.heapKey);
      w.set(this.heapVal);
      this.heapKey = k;
      this.heapVal = w;
    }
    const K = this.heapKey, V = this.heapVal;
    let p = this.size++;
    while (p > 0) {
      const q = (p - 1) >> 1;
      if (K[q]! <= key) break;
      K[p] = K[q]!;
      V[p] = V[q]!;
      p = q;
    }
    K[p] = key;
    V[p] = val;
  }

  private pop(): number {
    const K = this.heapKey, V = this.heapVal;
    const top = V[0]!, key = K[--this.size]!, val = V[this.size]!;
    let p = 0;
    for (;;) {
      let q = 2 * p + 1;
      if (q >= this.size) break;
      if (q + 1 < this.size && K[q + 1]! < K[q]!) q++;
      if (K[q]! >= key) break;
      K[p] = K[q]!;
      V[p] = V[q]!;
      p = q;
    }
    K[p] = key;
    V[p] = val;
    return top;
  }
}

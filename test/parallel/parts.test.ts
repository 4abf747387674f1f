// The parts of data-parallel training that one process can check: the rendezvous variables, the
// launcher's argument filter, row-sharded random draws and batches, failure records, ranks started
// with different commands, and gradient buckets on a one-rank c10d group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { F, Generator, liveTensors, rand, randn, tensor, tidy, withRowShard, zeros } from '../../src/engine/index.js';
import { BatchIterator } from '../../src/data/dataset.js';
import { distEnv, GradientAverager, launch, PeerFailure, ProcessGroup, Store } from '../../src/parallel/index.js';
import { FailureWatch, sleepSync } from '../../src/parallel/failures.js';
import { withoutOptions } from '../../src/cli/parallel.js';
import { Replicas } from '../../src/train/replicas.js';

test('distEnv reads torchrun\'s variables and names a bad one', () => {
  assert.equal(distEnv({}), null);
  const e = distEnv({ WORLD_SIZE: '4', RANK: '3', MASTER_ADDR: 'node0', MASTER_PORT: '29500', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2' })!;
  assert.deepEqual([e.rank, e.worldSize, e.localRank, e.localWorldSize, e.masterAddr, e.masterPort, e.launcherStore], [3, 4, 1, 2, 'node0', 29500, false]);
  assert.throws(() => distEnv({ WORLD_SIZE: '2', RANK: '2', MASTER_ADDR: 'h', MASTER_PORT: '1' }), /RANK must be an integer in 0\.\.1.*got '2'/);
  assert.throws(() => distEnv({ WORLD_SIZE: '2', RANK: '0', MASTER_ADDR: 'h' }), /MASTER_PORT must be an integer/);
  assert.throws(() => distEnv({ WORLD_SIZE: '2', RANK: '0', MASTER_PORT: '5' }), /MASTER_ADDR must name/);
  assert.throws(() => distEnv({ WORLD_SIZE: 'two' }), /WORLD_SIZE must be an integer/);
  // A one-machine job of the launcher meets in a file: no address, no port.
  const f = distEnv({ WORLD_SIZE: '2', RANK: '1', DISCO_STORE_FILE: '/tmp/x/store', MASTER_PORT: 'ignored' })!;
  assert.deepEqual([f.storeFile, f.masterAddr, f.masterPort, f.launcherStore], ['/tmp/x/store', '127.0.0.1', 0, true]);
  assert.equal(e.storeFile, null);
});

test('the launcher passes the command line on without its own options', () => {
  assert.deepEqual(withoutOptions(['train', '--nproc', '2', '--out', 'r', '--master-port=5', '--quiet'], ['--nproc', '--master-port']),
    ['train', '--out', 'r', '--quiet']);
});

test('under withRowShard, batch-shaped draws are rows of the whole batch\'s draw; other draws are whole', () => {
  tidy(() => {
    const whole = randn([8, 3], { generator: new Generator(5) });
    const rows = withRowShard({ start: 2, end: 6, total: 8 }, () => randn([4, 3], { generator: new Generator(5) }));
    assert.deepEqual(rows.toArray(), whole.slice(0, 2, 6).toArray());
    const other = withRowShard({ start: 2, end: 6, total: 8 }, () => rand([5], { generator: new Generator(5) }));
    assert.deepEqual(other.toArray(), rand([5], { generator: new Generator(5) }).toArray());
    const x = tensor(Array.from({ length: 8 }, () => [1, 1, 1, 1]));
    const mask = F.dropout(x, 0.5, true, new Generator(9));
    const half = withRowShard({ start: 4, end: 8, total: 8 }, () => F.dropout(x.slice(0, 4, 8), 0.5, true, new Generator(9)));
    assert.deepEqual(half.toArray(), mask.slice(0, 4, 8).toArray());
  });
});

test('a BatchIterator\'s row shards are the rows of the whole batch, flips included, at every position', () => {
  const data = { name: 'images', x: randn([40, 1, 2, 3]), labels: null, numClasses: 0 };
  const whole = new BatchIterator(data, 8, 3, true);
  const shards = [0, 1].map((r) => new BatchIterator(data, 8, 3, true, { start: 4 * r, end: 4 * (r + 1), total: 8 }));
  for (let i = 0; i < 7; i++) { // across an epoch boundary (5 batches per epoch)
    tidy(() => assert.deepEqual(shards.flatMap((s) => s.next().x.toArray() as number[]), whole.next().x.toArray()));
  }
  assert.deepEqual(shards[1]!.state(), whole.state());
  assert.throws(() => new BatchIterator(data, 8, 3, false, { start: 4, end: 9, total: 8 }), /rows \[4, 9\) of 8 are not a shard of a batch of 8/);
  for (const it of [whole, ...shards]) it.dispose();
  data.x.dispose();
});

test('a batch that does not split evenly over the processes is an error naming train.batch', () => {
  assert.throws(() => new Replicas({ rank: 0, size: 3 } as ProcessGroup, 32), /train\.batch 32 must be divisible by the 3 processes/);
  assert.deepEqual(new Replicas({ rank: 2, size: 4 } as ProcessGroup, 32).rows, { start: 16, end: 24, total: 32 });
});

test('a survivor names the failed rank from the launcher\'s record or from a heartbeat that stopped', () => {
  const store = Store.tcp('127.0.0.1', 0, true, 5000);
  try {
    const watch = new FailureWatch(store, 0, 3, { staleMs: 300, graceMs: 200, storeOwner: 'the launcher' });
    store.set('hb/1', '7 12');
    store.set('hb/2', '3 12');
    watch.check('the gradient all-reduce'); // fresh heartbeats, no records: nothing to report
    store.set('exit/2', 'was killed by SIGKILL (pid 42)');
    assert.throws(() => watch.check('the gradient all-reduce'),
      (e: Error) => e instanceof PeerFailure && /^rank 2 was killed by SIGKILL \(pid 42\) — rank 0 stopped in the gradient all-reduce$/.test(e.message));
    assert.equal(store.peek('lost/0'), 'rank 2 was killed by SIGKILL (pid 42)'); // the cause, for the launcher
    store.set('hb/2', '4 12'); // (records stay; a fresh watch sees only heartbeats)
    const fresh = new FailureWatch(store, 2, 2, { staleMs: 300, graceMs: 200, storeOwner: 'rank 0' });
    fresh.check('x');
    sleepSync(400);
    assert.throws(() => fresh.check('x'), /rank 0 stopped responding|rank 1 stopped responding/);
    // The frozen rank is recorded for the launcher, which kills it at once and names it.
    assert.match(store.peek('stale/0') ?? store.peek('stale/1') ?? '', /^stopped sending heartbeats for \d+ s$/);
  } finally {
    store.close();
  }
});

test('ranks started with different commands fail at the rendezvous, naming the rank and the argument', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dd-store-'));
  const env = (rank: number) => ({ storeFile: join(dir, 'store'), masterAddr: '127.0.0.1', masterPort: 0, rank, worldSize: 2,
    localRank: rank, localWorldSize: 2, launcherStore: true, launcherPid: null, timeoutMs: 10_000 });
  try {
    const [r0, r1] = await Promise.allSettled([
      ProcessGroup.join(env(0), 'gloo', ['train', '--config', 'a.yaml', '--out', 'r']),
      ProcessGroup.join(env(1), 'gloo', ['train', '--config', 'b.yaml', '--out', 'r'])]);
    // Rank 0 names rank 1 from the difference, or from rank 1's record when that came first.
    const why = /rank 1 (failed: it )?was started with another command than rank 0 \(argument 3: 'b\.yaml' where rank 0 has 'a\.yaml'\); start every rank/;
    assert.ok(r1.status === 'rejected' && why.test((r1.reason as Error).message), String(r1.status === 'rejected' && r1.reason));
    assert.ok(r0.status === 'rejected' && r0.reason instanceof PeerFailure && why.test(r0.reason.message)
      && / — rank 0 stopped in the rendezvous$/.test(r0.reason.message), String(r0.status === 'rejected' && r0.reason));
    const store = Store.file(join(dir, 'store'), 1000);
    assert.match(store.peek('error/1')!, /^it was started with another command/); // what rank 1's launcher reports
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the launcher refuses impossible node layouts', async () => {
  const base = { nproc: 1, nnodes: 2, nodeRank: 0, masterAddr: '127.0.0.1', masterPort: 0, command: ['x'] };
  await assert.rejects(launch({ ...base, nodeRank: 2 }), /--node-rank must be below --nnodes \(2\), got 2/);
  await assert.rejects(launch({ ...base, nproc: 0 }), /--nproc must be an integer ≥ 1, got 0/);
  await assert.rejects(launch({ ...base, nodeRank: 1 }), /--master-port must name node 0's port/);
  await assert.rejects(launch({ ...base, masterAddr: undefined }), /--master-addr must name node 0 when --nnodes > 1/);
});

test('gradient buckets on a one-rank group: means in place, no gradient stays none, buckets by size and dtype', async () => {
  const group = await ProcessGroup.join({ storeFile: null, masterAddr: '127.0.0.1', masterPort: 0, rank: 0, worldSize: 1, localRank: 0, localWorldSize: 1,
    launcherStore: false, launcherPid: null, timeoutMs: 10_000 });
  const params = [zeros([300]), zeros([2, 3]), zeros([50], { dtype: 'float64' }), zeros([4])].map((p) => p.requiresGrad_());
  tidy(() => params.slice(0, 3).forEach((p, i) =>
    p.setGrad(tensor(Array.from({ length: p.numel }, (_, j) => i + j)).to({ dtype: p.dtype }).reshape(...p.shape))));
  const before = liveTensors();
  const avg = new GradientAverager(group, params, 1024); // 300 float32 = 1200 bytes: a bucket of its own
  assert.equal(avg.bucketCount, 4);
  avg.average();
  tidy(() => {
    assert.deepEqual(params[1]!.grad!.toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(params[2]!.grad!.dtype, 'float64');
    assert.equal(params[3]!.grad, null);
  });
  assert.deepEqual(tidy(() => group.allgather(tensor([1.5, 2.5]), 'test').toArray()), [[1.5, 2.5]]);
  assert.deepEqual(group.shareJson({ a: [1, 'b'] }, 'test'), { a: [1, 'b'] });
  avg.dispose();
  assert.equal(liveTensors(), before);
  assert.throws(() => new GradientAverager(group, [zeros([2], { dtype: 'int64' })]), /needs floating-point parameters, got int64/);
  for (const p of params) p.dispose();
});

// Intra-op threads (issue #10): the default is the cores this process may use (affinity, capped by a
// cgroup CPU quota), DISCO_THREADS overrides it, and libgomp's idle workers spin briefly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { cgroupCpuQuota, usableCores } from '../../src/engine/cores.js';
import { threadsFromEnv } from '../../src/engine/runtime.js';

/**
 * numThreads() and GOMP_SPINCOUNT in a fresh process with `env` (less the variables it sets to
 * undefined), started through `prefix` (e.g. taskset).
 */
function fresh(env: Record<string, string | undefined>, prefix: string[] = []): { threads: number; spin: string | null } {
  const clean = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete clean[k];
  const [cmd, ...args] = [...prefix, process.execPath, '--import', 'tsx', '--input-type=module', '-e',
    `import { numThreads } from './src/engine/index.js'; console.log(JSON.stringify({ threads: numThreads(), spin: process.env.GOMP_SPINCOUNT ?? null }));`];
  const r = spawnSync(cmd!, args, { encoding: 'utf8', env: clean });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('the default is one thread per usable core; DISCO_THREADS overrides it, and a bad value is named', () => {
  assert.deepEqual(fresh({ DISCO_THREADS: undefined, GOMP_SPINCOUNT: undefined, OMP_WAIT_POLICY: undefined }),
    { threads: usableCores(), spin: '10000' });
  assert.deepEqual(fresh({ DISCO_THREADS: '1', GOMP_SPINCOUNT: '250' }), { threads: 1, spin: '250' });
  if (spawnSync('taskset', ['-c', '0', 'true']).status === 0) { // pinned to one core: one thread
    assert.equal(fresh({ DISCO_THREADS: undefined }, ['taskset', '-c', '0']).threads, 1);
  }
  assert.ok(usableCores() >= 1 && usableCores() <= availableParallelism());
  assert.throws(() => threadsFromEnv({ DISCO_THREADS: '0' }), /DISCO_THREADS must be a positive integer, got '0'/);
  assert.equal(threadsFromEnv({ DISCO_THREADS: '3' }), 3);
});

test('usable cores: the affinity, capped by the tightest cgroup quota (v1 and v2), rounded down', () => {
  const files = (f: Record<string, string>) => (p: string) => f[p] ?? null;
  const v2 = files({ '/proc/self/cgroup': '0::/job/a\n', '/sys/fs/cgroup/job/a/cpu.max': 'max 100000', '/sys/fs/cgroup/job/cpu.max': '250000 100000' });
  assert.equal(cgroupCpuQuota(v2), 2.5);
  assert.equal(usableCores(v2, 16), 2);
  assert.equal(usableCores(v2, 1), 1);
  const v1 = files({ '/proc/self/cgroup': '4:memory:/x\n3:cpu,cpuacct:/docker/1\n', '/sys/fs/cgroup/cpu,cpuacct/docker/1/cpu.cfs_quota_us': '50000',
    '/sys/fs/cgroup/cpu,cpuacct/docker/1/cpu.cfs_period_us': '100000' });
  assert.equal(cgroupCpuQuota(v1), 0.5);
  assert.equal(usableCores(v1, 8), 1);
  const none = files({ '/proc/self/cgroup': '1:cpu:/\n', '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' });
  assert.equal(cgroupCpuQuota(none), null);
  assert.equal(usableCores(none, 6), 6);
  assert.equal(usableCores(files({}), 3), 3);
});


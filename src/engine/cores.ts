/**
 * How many CPUs this process may use: its scheduler affinity (taskset, cpusets) capped by a cgroup
 * CPU quota (docker --cpus, Kubernetes limits), so a default of one thread per usable core neither
 * oversubscribes a container nor leaves an affinity-pinned process fighting over one core.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Reads a file as text, or null when it is missing. */
export type ReadText = (path: string) => string | null;

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/**
 * The CPU quota in cores from cgroup files (v2 `cpu.max`, v1 `cpu.cfs_quota_us / cpu.cfs_period_us`),
 * the tightest over the process's cgroup and its ancestors; null when there is none.
 */
export function cgroupCpuQuota(read: ReadText = readText): number | null {
  const quotas: number[] = [];
  for (const line of (read('/proc/self/cgroup') ?? '').split('\n')) {
    const [id, controllers, path] = line.split(':');
    if (path === undefined) continue;
    const v2 = id === '0' && controllers === '';
    const v1 = !v2 && controllers!.split(',').includes('cpu');
    if (!v2 && !v1) continue;
    const roots = v2 ? ['/sys/fs/cgroup'] : ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct'];
    for (const root of roots) {
      // Inside a container the cgroup path may not exist in this mount: its root is then the cgroup.
      for (let dir = path; ; dir = dir.slice(0, dir.lastIndexOf('/')) || '/') {
        const q = v2 ? quotaV2(read(`${root}${dir}/cpu.max`)) : quotaV1(read(`${root}${dir}/cpu.cfs_quota_us`), read(`${root}${dir}/cpu.cfs_period_us`));
        if (q !== null) quotas.push(q);
        if (dir === '/') break;
      }
    }
  }
  return quotas.length ? Math.min(...quotas) : null;
}

function quotaV2(text: string | null): number | null {
  const [quota, period] = (text ?? '').trim().split(/\s+/);
  const q = Number(quota), p = Number(period);
  return q > 0 && p > 0 ? q / p : null;
}

function quotaV1(quota: string | null, period: string | null): number | null {
  const q = Number(quota), p = Number(period);
  return quota !== null && q > 0 && p > 0 ? q / p : null;
}

/** Usable cores: affinity, capped by the cgroup quota rounded down, at least 1. */
export function usableCores(read: ReadText = readText, affinity = availableParallelism()): number {
  const quota = cgroupCpuQuota(read);
  return Math.max(1, Math.min(affinity, quota === null ? Infinity : Math.floor(quota)));
}

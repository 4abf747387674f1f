/**
 * The device check's report: gathers the parts' JSON (scripts/device-check.sh writes them into one
 * folder: check.json, group.json, bench.json, env.json) into one file and prints a table. A part
 * that wrote nothing usable is recorded with the tail of its log. Exits 1 when a part failed.
 *
 *   node --import tsx scripts/device/report.ts --parts DIR --out FILE
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flags, type Section } from './common.js';

interface BenchRow { batch: number; ours_ms: number; torch_ms: number; ratio: number; ours_images_per_s: number;
  ours_peak_bytes: number; torch_peak_bytes: number; memory_ratio: number }
interface BenchResult { config: string; ok: boolean; error?: string; rows?: BenchRow[] }

/** A part's JSON (the last line of its output), or its failure with the end of its log. */
function part(dir: string, name: string): Record<string, unknown> {
  const file = join(dir, `${name}.json`);
  const log = existsSync(join(dir, `${name}.err`)) ? readFileSync(join(dir, `${name}.err`), 'utf8').trim().split('\n').slice(-12).join('\n') : '';
  try {
    return JSON.parse(readFileSync(file, 'utf8').trim().split('\n').pop()!) as Record<string, unknown>;
  } catch {
    return { ok: false, error: `${name} wrote no JSON${log ? `:\n${log}` : ''}` };
  }
}

function main(): void {
  const f = flags(process.argv.slice(2));
  const dir = f.get('parts'), out = f.get('out');
  if (!dir || !out) throw new Error('usage: report.ts --parts DIR --out FILE');
  const env = part(dir, 'env'), check = part(dir, 'check'), group = part(dir, 'group'), bench = part(dir, 'bench');
  const sections = [...((check.sections ?? []) as Section[]), ...((group.sections ?? []) as Section[])];
  const results = (bench.results ?? []) as BenchResult[];
  const failed = [
    ...sections.filter((s) => !s.ok).map((s) => s.name),
    ...results.filter((r) => !r.ok).map((r) => `bench ${r.config}`),
    ...[['check', check], ['group', group], ['bench', bench]].filter(([, p]) => (p as { error?: string }).error).map(([n]) => `${n as string} (no output)`),
  ];
  const report = { date: new Date().toISOString(), ok: failed.length === 0, failed, env, check, group, bench };
  writeFileSync(out, JSON.stringify(report, null, 2));

  console.log(`\ndevice check on ${String(env.device ?? '?')} (${String(env.mode ?? '?')}), libtorch ${String(check.torch ?? '?')}`);
  for (const s of sections) {
    const detail = s.error ? s.error.split('\n')[0]! : Object.entries(s).filter(([k]) => /diff|loss|allreduce/.test(k)).map(([k, v]) =>
      `${k} ${typeof v === 'number' ? v.toExponential(1) : JSON.stringify(v)}`).join(', ');
    console.log(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(36)} ${s.ms.toFixed(0).padStart(7)} ms  ${detail}`);
  }
  for (const p of [check, group, bench]) if (p.error) console.log(`FAIL ${String(p.error)}`);
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log('\nconfig                          batch   ours ms  torch ms  ratio  ours img/s  ours MB  torch MB  mem ratio');
  for (const r of results) {
    if (!r.ok) { console.log(`${r.config.padEnd(32)}FAIL ${r.error?.split('\n')[0] ?? ''}`); continue; }
    for (const w of r.rows ?? []) {
      console.log(`${r.config.split('/').pop()!.padEnd(32)}${String(w.batch).padStart(5)}${w.ours_ms.toFixed(1).padStart(10)}` +
        `${w.torch_ms.toFixed(1).padStart(10)}${w.ratio.toFixed(2).padStart(7)}${w.ours_images_per_s.toFixed(0).padStart(12)}` +
        `${mb(w.ours_peak_bytes).padStart(9)}${mb(w.torch_peak_bytes).padStart(10)}${w.memory_ratio.toFixed(2).padStart(11)}`);
    }
  }
  console.log(`\n${report.ok ? 'all parts passed' : `failed: ${failed.join('; ')}`}; wrote ${out}`);
  process.exitCode = report.ok ? 0 : 1;
}

main();

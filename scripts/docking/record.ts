/** The data set's record: versions, settings, commands, machine and counts (record.json, RECORD.md). */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LigandSource } from "./sources.js";
import { run } from "./tools.js";

const PACKAGES = ["autodock-vina", "openbabel", "rdkit-data", "pymol-data", "pdb2pqr-doc"];
let versions: Record<string, string> | undefined;

async function toolVersions(): Promise<Record<string, string>> {
  if (versions) return versions;
  const vina = (await run("vina", ["--version"])).stdout.trim();
  const ob = (await run("obabel", ["-V"])).stdout.trim();
  const deb = (await run("dpkg-query", ["-W", "-f", "${Package} ${Version}\\n", ...PACKAGES])).stdout.trim().split("\n");
  versions = { vina, obabel: ob, ...Object.fromEntries(deb.map((l) => l.split(" ") as [string, string])) };
  return versions;
}

/** What a refused ligand's file holds. */
export function ligandRecord(receptor: string, lig: LigandSource, reason: string) {
  return { id: lig.id, receptor, source: lig.source, file: lig.file, index: lig.index, reason };
}

interface Counts {
  done: number;
  failed: number;
  failures: Array<{ id: string; reason: string }>;
  wallSeconds: number[];
  keptModes: number;
}

function count(dir: string): Counts {
  const c: Counts = { done: 0, failed: 0, failures: [], wallSeconds: [], keptModes: 0 };
  if (!existsSync(dir)) return c;
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const r = JSON.parse(readFileSync(join(dir, f), "utf8")) as { wallSeconds: number; modes: unknown[] };
    c.done++;
    c.wallSeconds.push(r.wallSeconds);
    c.keptModes += r.modes.length;
  }
  const failDir = join(dir, "failed");
  if (existsSync(failDir)) {
    for (const f of readdirSync(failDir).filter((f) => f.endsWith(".json"))) {
      const r = JSON.parse(readFileSync(join(failDir, f), "utf8")) as { id: string; reason: string };
      c.failed++;
      c.failures.push({ id: r.id, reason: r.reason });
    }
  }
  return c;
}

/** Rewrites record.json and RECORD.md from the run's context and the ligand files present. */
export async function writeRecord(out: string, receptors: string[], context: Record<string, unknown>): Promise<void> {
  const counts = Object.fromEntries(receptors.map((name) => [name, count(join(out, name))]));
  const summary = Object.fromEntries(
    Object.entries(counts).map(([name, c]) => {
      const w = c.wallSeconds;
      const mean = w.length ? w.reduce((s, x) => s + x, 0) / w.length : 0;
      return [name, { done: c.done, failed: c.failed, failures: c.failures, keptModes: c.keptModes, meanWallSeconds: Math.round(mean * 10) / 10 }];
    }),
  );
  const record = { versions: await toolVersions(), ...context, updated: new Date().toISOString(), counts: summary };
  writeFileSync(join(out, "record.json.tmp"), JSON.stringify(record, null, 1) + "\n");
  renameSync(join(out, "record.json.tmp"), join(out, "record.json"));
  const rows = Object.entries(summary).map(([n, c]) => `| ${n} | ${c.done} | ${c.failed} | ${c.keptModes} | ${c.meanWallSeconds} |`);
  const md = [
    "# Docking pose data set: record",
    "",
    "Made by `scripts/docking/generate.ts` (see its header and `scripts/setup-docking.sh`); the full",
    "record (versions, settings, seeds rule, commands, box, machine, failures) is `record.json`,",
    "rewritten after every ligand. One file per ligand: `RECEPTOR/ID.json`; refused ligands:",
    "`RECEPTOR/failed/ID.json` with the reason. Raw Vina files are under the git-ignored `work/`.",
    "",
    `Last update ${record.updated}; command \`${String(context.command)}\`.`,
    "",
    "| receptor | ligands done | refused | modes kept | mean wall s / ligand |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    "Notes from the checks before the long run:",
    "",
    ...((context.notes as string[] | undefined) ?? []).map((n) => `- ${n}`),
    "",
  ].join("\n");
  writeFileSync(join(out, "RECORD.md"), md);
}

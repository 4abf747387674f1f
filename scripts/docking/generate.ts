/**
 * Generates the docking pose data set: docks crystal ligands and pool ligands into the pockets of
 * the receptors in sources.ts with AutoDock Vina, keeps each ligand's distinct low-energy modes with
 * Boltzmann weights, and writes one JSON file per ligand under data/docking/RECEPTOR/ (atomically;
 * a rerun skips finished and refused ligands). data/docking/record.json and RECORD.md hold the
 * versions, settings, commands and counts.
 *
 *   node --import tsx scripts/docking/generate.ts [--limit N] [--receptor NAME] [--jobs J] [--cpu C] [--out DIR]
 *
 * Defaults: one job per core, each Vina with --cpu 1 (as many ligands per hour as one job with
 * --cpu 2 here; see NOTES below). Keep --cpu 1 when continuing: the modes may depend on it.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { distinctModes, boltzmannWeights, rmsd } from "./modes.js";
import { readMolfile, readVinaModes, type Vec3 } from "./molfile.js";
import { PREP_COMMANDS, pocket, prepareLigand, prepareReceptor } from "./prepare.js";
import { RECEPTORS, type LigandSource, type ReceptorSource } from "./sources.js";
import { Interrupted, obabel, run } from "./tools.js";
import { ligandRecord, writeRecord } from "./record.js";

/** Vina and mode-selection settings of the data set (the "Data" section). */
const SETTINGS = {
  numModes: 20,
  energyRange: 3,
  exhaustiveness: 8,
  keepWindow: 1.5,
  minRmsd: 2,
  temperature: 298,
};

const { values: opts } = parseArgs({
  options: {
    out: { type: "string", default: "data/docking" },
    limit: { type: "string" },
    receptor: { type: "string" },
    jobs: { type: "string" },
    cpu: { type: "string", default: "1" },
  },
});
const cpu = Number(opts.cpu);
const jobs = Number(opts.jobs ?? Math.max(1, Math.floor(cpus().length / cpu)));
const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
const receptors = RECEPTORS.filter((r) => opts.receptor === undefined || r.name === opts.receptor);
/** What the checks before the long run found (written to the record). */
const NOTES = [
  "Open Babel's -p 7.4 placed some receptor hydrogens differently in two runs (2C6E: ARG 11 H moved ~1.5 A), which changed Vina's modes; so each receptor PDBQT is made once (data/docking/receptors/, committed) and reused, never remade.",
  "Vina 1.2.3 with the same receptor, ligand and seed gave byte-identical output twice with --cpu 1 and twice with --cpu 2; the --cpu value itself may change the modes, so every ligand file records its --cpu and a continuing run keeps the default --cpu 1.",
  "Throughput on 2 cores, 2C6E crystal JVE, N15, AKI, SKE: 1 job x --cpu 2 took 83.2 s of ligand wall time, 2 jobs x --cpu 1 took 165.3 s / 2 = 82.7 s; 2 x --cpu 1 is the default.",
  "The 2C6E crystal ligands come from other Aurora A entries (JVE 4UZH, N15 3W2C, AKI 3M11 in their own, nearly isomorphous frames; SKE 5DT0 and ACP 6C83 aligned onto 2C6E), so docking them into 2C6E is cross-docking, not redocking; AKI has 12 heavy atoms within 2.2 A of 2C6E's protein atoms. 1HPV's amprenavir is true redocking.",
  "SKE's chemistry is still wrong: both its bare crystal atoms and its docked template read as a charged triazoline, not the aromatic 1,2,4-triazole of JNJ-7706621; its ring atoms' Vina types may be off.",
];
const OUT = opts.out!;
const WORK = join(OUT, "work");
if (receptors.length === 0) throw new Error(`--receptor ${opts.receptor}: not one of ${RECEPTORS.map((r) => r.name).join(", ")}`);

/** A fixed Vina seed per ligand: FNV-1a of "RECEPTOR/ID", below 2^31. */
function seedOf(receptor: string, id: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${receptor}/${id}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h % 0x7fffffff;
}

/** Vina's arguments for one ligand (the record writes them with placeholders). */
function vinaArgs(receptor: string, ligand: string, center: string[], size: string, seed: string, out: string): string[] {
  return [
    "--receptor", receptor, "--ligand", ligand,
    "--center_x", center[0]!, "--center_y", center[1]!, "--center_z", center[2]!,
    "--size_x", size, "--size_y", size, "--size_z", size,
    "--num_modes", String(SETTINGS.numModes), "--energy_range", String(SETTINGS.energyRange),
    "--exhaustiveness", String(SETTINGS.exhaustiveness), "--seed", seed, "--cpu", String(cpu), "--out", out,
  ];
}

interface Target {
  rec: ReceptorSource;
  pdbqt: string;
  center: Vec3;
}

async function prepareTarget(rec: ReceptorSource): Promise<Target> {
  const dir = join(WORK, rec.name);
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(OUT, "receptors"), { recursive: true });
  const pdbqt = join(OUT, "receptors", `${rec.name}.pdbqt`);
  if (!existsSync(pdbqt)) await prepareReceptor(rec.pdb, dir, pdbqt);
  const crystals = await Promise.all(rec.crystal.map(async (c) => readMolfile(await obabel([c.file, "-osdf"]))));
  const { center, extent } = pocket(crystals);
  console.log(`${rec.name}: box centre ${center.map((x) => x.toFixed(3)).join(" ")}, edge ${rec.boxSize} Å, crystal ligands span ${extent.toFixed(1)} Å`);
  return { rec, pdbqt, center };
}

function poolSize(file: string): number {
  return readFileSync(file, "utf8").split("$$$$").length - 1;
}

/** The work in order: all crystal ligands first, then the receptors' pools interleaved. */
function ordered(targets: Target[]): Array<{ target: Target; lig: LigandSource }> {
  const out = targets.flatMap((target) => target.rec.crystal.map((lig) => ({ target, lig })));
  const queues = targets.map((target) =>
    target.rec.pools.flatMap((p) =>
      Array.from({ length: poolSize(p.file) }, (_, i): { target: Target; lig: LigandSource } => ({
        target,
        lig: { id: `${p.name}-${String(i + 1).padStart(3, "0")}`, source: "pool", file: p.file, index: i + 1 },
      })),
    ),
  );
  for (let i = 0; queues.some((q) => i < q.length); i++) for (const q of queues) if (i < q.length) out.push(q[i]!);
  return out;
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const round = (p: Vec3): Vec3 => p.map((x) => Math.round(x * 1000) / 1000) as Vec3;

async function dock(target: Target, lig: LigandSource): Promise<string> {
  const t0 = performance.now();
  const dir = join(WORK, target.rec.name, lig.id);
  mkdirSync(dir, { recursive: true });
  const prep = await prepareLigand(lig, dir);
  const seed = seedOf(target.rec.name, lig.id);
  const center = target.center.map((x) => x.toFixed(3));
  const args = vinaArgs(target.pdbqt, join(dir, "lig.pdbqt"), center, String(target.rec.boxSize), String(seed), join(dir, "out.pdbqt"));
  const { stdout } = await run("vina", args);
  writeFileSync(join(dir, "vina.log"), stdout);
  const modes = readVinaModes(readFileSync(join(dir, "out.pdbqt"), "utf8"));
  if (modes.length === 0) throw new Error("Vina wrote no modes");
  const names = prep.pdbqt.split("\n").filter((l) => /^(ATOM|HETATM)/.test(l)).map((l) => l.slice(12, 16));
  // Vina writes each mode's atoms in the input PDBQT's order; the map then leads back to the input molecule.
  const molToPdbqt = new Map(prep.pdbqtToMol.map((m, i) => [m, i]));
  const poses = modes.map((m, k) => {
    if (m.atoms.length !== names.length || m.atoms.some((a, i) => a.name.padEnd(4) !== names[i]!.trim().padEnd(4))) {
      throw new Error(`Vina mode ${k + 1}: atoms differ from the input PDBQT`);
    }
    return prep.heavy.map((h) => m.atoms[molToPdbqt.get(h)!]!.coord);
  });
  const heavyIndex = new Map(prep.heavy.map((h, i) => [h, i]));
  const bonds = prep.mol.bonds.filter((b) => heavyIndex.has(b.a) && heavyIndex.has(b.b));
  const input = prep.heavy.map((h) => prep.mol.coords[h]!);
  const dist = (p: Vec3, q: Vec3) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
  let maxBondDeviation = 0;
  for (const pose of poses) {
    for (const b of bonds) {
      const i = heavyIndex.get(b.a)!;
      const j = heavyIndex.get(b.b)!;
      maxBondDeviation = Math.max(maxBondDeviation, Math.abs(dist(pose[i]!, pose[j]!) - dist(input[i]!, input[j]!)));
    }
  }
  if (maxBondDeviation > 0.05) throw new Error(`bond lengths of the modes differ from the input by ${maxBondDeviation.toFixed(3)} Å (atom map broken)`);
  const affinities = modes.map((m) => m.affinity);
  const kept = distinctModes(affinities, poses, SETTINGS.keepWindow, SETTINGS.minRmsd);
  const weights = boltzmannWeights(kept.map((k) => affinities[k]!), SETTINGS.temperature);
  const crystal = lig.source === "crystal" ? input : undefined;
  const result = {
    id: lig.id,
    receptor: target.rec.name,
    source: lig.source,
    name: prep.mol.title,
    file: lig.file,
    index: lig.index,
    seed,
    smiles: prep.smiles,
    heavyAtoms: prep.heavy.length,
    rotatableBonds: prep.torsions,
    elements: prep.heavy.map((h) => prep.mol.elements[h]),
    charges: prep.heavy.map((h) => prep.mol.charges[h]),
    bonds: bonds.map((b) => [heavyIndex.get(b.a), heavyIndex.get(b.b), b.order]),
    affinities,
    modes: kept.map((k, i) => ({
      rank: k + 1,
      affinity: affinities[k],
      weight: Math.round(weights[i]! * 1e4) / 1e4,
      ...(crystal ? { rmsdToCrystal: Math.round(rmsd(poses[k]!, crystal) * 1000) / 1000 } : {}),
      coords: poses[k]!.map(round),
    })),
    ...(crystal ? { crystal: { coords: crystal.map(round), rmsdPerMode: poses.map((p) => Math.round(rmsd(p, crystal) * 1000) / 1000) } } : {}),
    maxBondDeviation: Math.round(maxBondDeviation * 1e4) / 1e4,
    cpu,
    wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
  };
  const recDir = join(OUT, target.rec.name);
  mkdirSync(recDir, { recursive: true });
  writeAtomic(join(recDir, `${lig.id}.json`), JSON.stringify(result) + "\n");
  const crystalNote = crystal ? `, best mode ${result.crystal!.rmsdPerMode[0]!.toFixed(2)} Å from crystal` : "";
  return `${modes.length} modes, kept ${kept.length}, best ${affinities[0]} kcal/mol${crystalNote}, ${result.wallSeconds} s`;
}

const targets: Target[] = [];
for (const rec of receptors) targets.push(await prepareTarget(rec));
const todo = ordered(targets).filter(({ target, lig }) => {
  const d = join(OUT, target.rec.name);
  return !existsSync(join(d, `${lig.id}.json`)) && !existsSync(join(d, "failed", `${lig.id}.json`));
});
const work = todo.slice(0, limit);
const command = `node --import tsx scripts/docking/generate.ts ${process.argv.slice(2).join(" ")}`.trim();
const context = {
  notes: NOTES,
  settings: SETTINGS,
  seedRule: "Vina --seed per ligand: FNV-1a (32-bit) of RECEPTOR/ID, mod 2^31-1 (each ligand file holds its seed)",
  prepCommands: PREP_COMMANDS,
  vinaCommand: ["vina", ...vinaArgs("RECEPTOR.pdbqt", "lig.pdbqt", ["X", "Y", "Z"], "SIZE", "SEED", "out.pdbqt")].join(" "),
  command,
  cpu,
  jobs,
  machine: `${hostname()}: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
  targets: targets.map((t) => ({
    name: t.rec.name,
    pdb: t.rec.pdb,
    center: round(t.center),
    size: t.rec.boxSize,
    pools: t.rec.pools,
    crystal: t.rec.crystal.map((c) => c.file),
  })),
};
console.log(`${todo.length} ligands to dock, this run ${work.length}; ${jobs} job(s) × --cpu ${cpu}`);
await writeRecord(OUT, RECEPTORS.map((r) => r.name), context);

let next = 0;
let done = 0;
async function worker(): Promise<void> {
  while (next < work.length) {
    const { target, lig } = work[next++]!;
    const tag = `${target.rec.name} ${lig.id}`;
    try {
      const note = await dock(target, lig);
      console.log(`[${++done}/${work.length}] ${tag}: ${note}`);
    } catch (e) {
      if (e instanceof Interrupted) throw e;
      const reason = (e as Error).message;
      const failDir = join(OUT, target.rec.name, "failed");
      mkdirSync(failDir, { recursive: true });
      writeAtomic(join(failDir, `${lig.id}.json`), JSON.stringify(ligandRecord(target.rec.name, lig, reason)) + "\n");
      console.log(`[${++done}/${work.length}] ${tag}: refused: ${reason}`);
    }
    await writeRecord(OUT, RECEPTORS.map((r) => r.name), context);
  }
}
await Promise.all(Array.from({ length: jobs }, () => worker()));
console.log("finished; counts in data/docking/RECORD.md");

/**
 * Writes kept modes of one ligand of the data set as SDF (heavy atoms in input order, the input's
 * bonds), e.g. to view them in PyMOL or to check them with Open Babel or RDKit.
 *
 *   node --import tsx scripts/docking/mode-sdf.ts data/docking/RECEPTOR/ID.json out.sdf
 */
import { readFileSync, writeFileSync } from "node:fs";
import { writeMolfile, type Vec3 } from "./molfile.js";

const [inPath, outPath] = process.argv.slice(2);
if (!inPath || !outPath) throw new Error("usage: mode-sdf.ts LIGAND.json OUT.sdf");
const lig = JSON.parse(readFileSync(inPath, "utf8")) as {
  id: string;
  elements: string[];
  charges: number[];
  bonds: Array<[number, number, number]>;
  modes: Array<{ rank: number; affinity: number; coords: Vec3[] }>;
};
const bonds = lig.bonds.map(([a, b, order]) => ({ a, b, order }));
const text = lig.modes
  .map((m) => writeMolfile({ title: `${lig.id} mode ${m.rank} ${m.affinity} kcal/mol`, elements: lig.elements, charges: lig.charges, coords: m.coords, bonds }))
  .join("");
writeFileSync(outPath, text);

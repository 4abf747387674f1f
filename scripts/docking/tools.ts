/** Running Open Babel and Vina as child processes. */
import { execFile } from "node:child_process";

/** The error of a command that a signal stopped (the run was interrupted; the input is not at fault). */
export class Interrupted extends Error {}

/**
 * Runs a command and resolves to its stdout; rejects with the command's stderr tail on failure,
 * or with Interrupted when a signal stopped it.
 */
export function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err?.signal) reject(new Interrupted(`${cmd} stopped by ${err.signal}`));
      else if (err) reject(new Error(`${cmd} failed: ${(stderr || err.message).trim().split("\n").filter((l) => l.trim()).slice(-3).join(" | ")}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Runs Open Babel; Open Babel exits 0 on many failures, so "0 molecules converted" is an error too. */
export async function obabel(args: string[]): Promise<string> {
  const { stdout, stderr } = await run("obabel", args);
  if (/\b0 molecules converted/.test(stderr)) throw new Error(`obabel ${args.join(" ")}: ${stderr.trim().split("\n").slice(-2).join(" | ")}`);
  return stdout;
}

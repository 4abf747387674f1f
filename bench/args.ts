/**
 * The command line of a bench script: `--name value` (or `--name=value`), `--flag`, numbers,
 * comma lists and repeatable flags, declared once per script with a default and a line of help.
 * An unknown flag, a missing value or a bad number is an error naming the flag; `--help` prints
 * the script's usage.
 */

/** How a flag's text becomes its value. */
export type FlagKind =
  | 'string'   // --out runs/x
  | 'number'   // --steps 400
  | 'numbers'  // --seeds 0,1
  | 'list'     // --variants ours,edm
  | 'boolean'  // --quick (no value)
  | 'repeat';  // --set a=1 --set b=2 (every occurrence, in order)

/** One flag: its kind, its default as it would be written on the command line, and its help. */
export interface FlagSpec {
  kind: FlagKind;
  default?: string;
  help: string;
}

type KindValue<K extends FlagKind> =
  K extends 'string' ? string : K extends 'number' ? number : K extends 'numbers' ? number[] :
  K extends 'boolean' ? boolean : string[];

/** The parsed flags: booleans and repeats are always there; other flags are undefined without a default. */
export type Flags<S extends Record<string, FlagSpec>> = {
  [N in keyof S]: S[N]['kind'] extends 'boolean' | 'repeat' ? KindValue<S[N]['kind']>
    : S[N] extends { default: string } ? KindValue<S[N]['kind']> : KindValue<S[N]['kind']> | undefined;
};

function convert(name: string, kind: FlagKind, text: string): number | number[] | string | string[] {
  const num = (t: string) => {
    const v = Number(t);
    if (t.trim() === '' || !Number.isFinite(v)) throw new Error(`--${name}: '${t}' is not a number`);
    return v;
  };
  if (kind === 'number') return num(text);
  if (kind === 'numbers') return text.split(',').map(num);
  if (kind === 'list') return text.split(',');
  return text;
}

/** Parses `argv` (the arguments after the script) against `spec`; throws an error naming the flag. */
export function parseFlags<const S extends Record<string, FlagSpec>>(spec: S, argv: string[]): Flags<S> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(spec)) {
    if (f.kind === 'boolean') out[name] = false;
    else if (f.kind === 'repeat') out[name] = [];
    else if (f.default !== undefined) out[name] = convert(name, f.kind, f.default);
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}' (flags start with --)`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const f = spec[name];
    if (!f) throw new Error(`unknown flag --${name} (known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')})`);
    if (f.kind === 'boolean') {
      if (eq >= 0) throw new Error(`--${name} takes no value`);
      out[name] = true;
      continue;
    }
    let text: string;
    if (eq >= 0) text = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) text = argv[++i]!;
    else throw new Error(`--${name} needs a value`);
    if (f.kind === 'repeat') (out[name] as string[]).push(text);
    else out[name] = convert(name, f.kind, text);
  }
  return out as Flags<S>;
}

/** The usage text: the script's synopsis, then one line per flag with its default. */
export function usage(synopsis: string, spec: Record<string, FlagSpec>): string {
  const rows = Object.entries(spec).map(([name, f]) => {
    const left = `--${name}${f.kind === 'boolean' ? '' : f.kind === 'repeat' ? ' V (repeatable)' : ' V'}`;
    return `  ${left.padEnd(30)} ${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}`;
  });
  return [synopsis, ...rows].join('\n');
}

/**
 * A bench script's flags from process.argv: prints the usage and exits 0 on --help, prints the
 * error and the usage and exits 2 on a bad command line.
 */
export function benchArgs<const S extends Record<string, FlagSpec>>(synopsis: string, spec: S,
  argv: string[] = process.argv.slice(2)): Flags<S> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage(synopsis, spec));
    process.exit(0);
  }
  try {
    return parseFlags(spec, argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${usage(synopsis, spec)}`);
    process.exit(2);
  }
}

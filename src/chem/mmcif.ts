/**
 * PDBx/mmCIF: the `_atom_site` loop of the first data block as atom sites (author chain, residue
 * number and names where given, else the label ones), first model only, and `_struct.title`.
 */
import { elementSymbol } from './elements.js';
import type { AtomSite, AtomSites } from './pdb.js';

/** One CIF token: its text, whether it was quoted (then it is never a keyword, tag or null), its line. */
interface Token {
  value: string;
  quoted: boolean;
  line: number;
}

/** A token on one line (CIF 1.1): a comment, a quoted string (closed by a quote before white space) or a bare word. */
const TOKEN = /\s*(?:(#.*)|'(.*?)'(?=\s|$)|"(.*?)"(?=\s|$)|(\S+))/y;

/** The tokens of a CIF text; a text field runs from a line starting ";" to the next such line. */
function tokenize(text: string, source: string): Token[] {
  const lines = text.split(/\r?\n/);
  const out: Token[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.startsWith(';')) {
      const start = i;
      const parts = [line.slice(1)];
      for (i++; i < lines.length && !lines[i]!.startsWith(';'); i++) parts.push(lines[i]!);
      if (i === lines.length) throw new Error(`${source}:${start + 1}: text field opened by ";" is never closed`);
      out.push({ value: parts.join('\n'), quoted: true, line: start + 1 });
      line = lines[i]!.slice(1);
    }
    TOKEN.lastIndex = 0;
    for (let m = TOKEN.exec(line); m; m = TOKEN.exec(line)) {
      if (m[1] !== undefined) break;
      const quotedValue = m[2] ?? m[3];
      out.push({ value: quotedValue ?? m[4]!, quoted: quotedValue !== undefined, line: i + 1 });
    }
  }
  return out;
}

/** A bare word that starts a tag or a block, or a reserved word: it ends a loop's values. */
function endsValues(t: Token): boolean {
  return !t.quoted && (t.value.startsWith('_') || /^(loop_|data_|save_|global_|stop_)/i.test(t.value));
}

/** The `_atom_site` loop (column names lower-cased without the category) and the title, from the first data block. */
function atomSiteLoop(tokens: Token[], source: string): { title: string; columns: string[]; values: Token[] } {
  let block: string | null = null;
  let title = '';
  let loop: { columns: string[]; values: Token[] } | null = null;
  for (let i = 0; i < tokens.length;) {
    const t = tokens[i]!;
    if (!t.quoted && /^data_/i.test(t.value)) {
      if (block !== null) break;
      block = t.value.slice(5);
      i++;
    } else if (!t.quoted && /^loop_$/i.test(t.value)) {
      const tags: string[] = [];
      for (i++; i < tokens.length && !tokens[i]!.quoted && tokens[i]!.value.startsWith('_'); i++) tags.push(tokens[i]!.value.toLowerCase());
      const start = i;
      while (i < tokens.length && !endsValues(tokens[i]!)) i++;
      if (tags[0]?.startsWith('_atom_site.')) {
        const values = tokens.slice(start, i);
        if (values.length % tags.length !== 0) throw new Error(`${source}:${tokens[start]?.line ?? t.line}: _atom_site loop has ${values.length} values for ${tags.length} columns`);
        loop = { columns: tags.map((tag) => tag.slice('_atom_site.'.length)), values };
      }
    } else if (!t.quoted && t.value.startsWith('_')) {
      if (t.value.toLowerCase() === '_struct.title' && tokens[i + 1]) title = tokens[i + 1]!.value.trim();
      i += 2;
    } else {
      i++;
    }
  }
  if (loop === null) throw new Error(`${source}: no _atom_site loop (not an mmCIF coordinate file?)`);
  return { title: title || (block ?? ''), ...loop };
}

/** The atom sites of an mmCIF text (first data block, first model). */
export function readMmcifSites(text: string, source: string): AtomSites {
  const { title, columns, values } = atomSiteLoop(tokenize(text, source), source);
  const width = columns.length;
  const column = (...names: string[]): number => {
    for (const name of names) {
      const k = columns.indexOf(name.toLowerCase());
      if (k >= 0) return k;
    }
    return -1;
  };
  const required = (...names: string[]): number => {
    const k = column(...names);
    if (k < 0) throw new Error(`${source}: _atom_site has no ${names.join(' or ')} column`);
    return k;
  };
  const col = {
    group: column('group_PDB'),
    element: required('type_symbol'),
    name: required('auth_atom_id', 'label_atom_id'),
    alt: column('label_alt_id'),
    resName: required('auth_comp_id', 'label_comp_id'),
    chain: required('auth_asym_id', 'label_asym_id'),
    authSeq: column('auth_seq_id'),
    labelSeq: column('label_seq_id'),
    icode: column('pdbx_PDB_ins_code'),
    x: required('Cartn_x'),
    y: required('Cartn_y'),
    z: required('Cartn_z'),
    charge: column('pdbx_formal_charge'),
    model: column('pdbx_PDB_model_num'),
  };
  if (col.authSeq < 0 && col.labelSeq < 0) throw new Error(`${source}: _atom_site has no auth_seq_id or label_seq_id column`);

  const sites: AtomSite[] = [];
  let firstModel: string | null = null;
  for (let r = 0; r < values.length / width; r++) {
    const row = values.slice(r * width, (r + 1) * width);
    const at = `${source}:${row[0]!.line}`;
    /** The value in column k, '' for CIF's nulls '.' and '?' or a missing column. */
    const get = (k: number): string => {
      const t = row[k];
      if (!t || (!t.quoted && (t.value === '.' || t.value === '?'))) return '';
      return t.value;
    };
    const num = (k: number, what: string): number => {
      const s = get(k);
      const v = Number(s);
      if (s === '' || !Number.isFinite(v)) throw new Error(`${at}: ${what} "${s}" is not a number`);
      return v;
    };
    const model = get(col.model);
    firstModel ??= model;
    if (model !== firstModel) continue;
    const element = elementSymbol(get(col.element));
    if (element === null) throw new Error(`${at}: type_symbol "${get(col.element)}" is not a known element`);
    sites.push({
      hetero: get(col.group) === 'HETATM',
      name: get(col.name),
      altLoc: get(col.alt),
      resName: get(col.resName),
      chain: get(col.chain),
      seq: num(get(col.authSeq) !== '' ? col.authSeq : col.labelSeq, 'residue number'),
      icode: get(col.icode),
      coord: [num(col.x, 'Cartn_x'), num(col.y, 'Cartn_y'), num(col.z, 'Cartn_z')],
      element,
      charge: get(col.charge) === '' ? 0 : num(col.charge, 'pdbx_formal_charge'),
      at,
    });
  }
  return { title, sites };
}

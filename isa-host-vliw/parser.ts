/**
 * Reads the text form written by printer.ts (format described there). `#` starts a comment;
 * blank lines are ignored; a molecule may be wrapped in `{ ... }`. Errors are UsageErrors of
 * one line naming the line number ("line 7: ld.w expects 2 operands, got 3"). The parser
 * checks syntax only; machine limits (register count, slots, latencies) are the
 * validator's job.
 */
import { assertNever } from '../core/assert.ts';
import { UsageError } from '../core/errors.ts';
import { ATOMS, isAtomOp, isChainable, KIND_OPERANDS, type OperandKind } from './atoms.ts';
import { atom, hostCode, type Atom, type AtomFields, type HostCode, type Molecule } from './code.ts';
import type { NamedCode } from './printer.ts';

/** Register numbers the syntax accepts; the validator applies the machine's real limit. */
const MAX_REG_SYNTAX = 1 << 16;

class LineError extends Error {}

function reg(tok: string): number {
  const m = /^r(\d+)$/.exec(tok);
  if (!m || Number(m[1]) >= MAX_REG_SYNTAX) throw new LineError(`expected a register rN, got '${tok}'`);
  return Number(m[1]);
}

/** A decimal or 0x-hex integer, optionally negative, within [min, max]. */
function num(tok: string, min: number, max: number, what: string): number {
  const m = /^(-?)(0x[0-9a-f]+|[0-9]+)$/i.exec(tok);
  if (!m) throw new LineError(`expected ${what}, got '${tok}'`);
  const v = (m[1] ? -1 : 1) * Number(m[2]);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new LineError(`${what} ${tok} is out of range [${min}, ${max}]`);
  return v;
}
const imm32 = (tok: string): number => num(tok, -0x80000000, 0xffffffff, 'a 32-bit immediate') | 0;

interface PendingLink { readonly atom: Atom; readonly name: string; readonly line: number }

function parseAtom(text: string, links: PendingLink[] | undefined, line: number): Atom {
  let body = text;
  let linkName: string | undefined;
  const arrow = body.indexOf('->');
  if (arrow >= 0) {
    linkName = body.slice(arrow + 2).trim();
    body = body.slice(0, arrow).trim();
    if (!/^[A-Za-z_][\w.$-]*$/.test(linkName)) throw new LineError(`bad link target name '${linkName}'`);
  }
  const sp = body.search(/\s/);
  const op = sp < 0 ? body : body.slice(0, sp);
  const rest = sp < 0 ? '' : body.slice(sp + 1).trim();
  if (!isAtomOp(op)) throw new LineError(`unknown atom '${op}'`);
  const kind = ATOMS[op].kind;
  const sig = KIND_OPERANDS[kind] as readonly OperandKind[];
  const toks = rest === '' ? [] : rest.split(',').map((t) => t.trim());
  if (toks.length !== sig.length) {
    throw new LineError(`${op} expects ${sig.length} operand${sig.length === 1 ? '' : 's'} (${sig.join(', ')}), got ${toks.length}`);
  }
  const f: AtomFields = {};
  sig.forEach((k, i) => {
    const t = toks[i]!;
    switch (k) {
      case 'rd': f.rd = reg(t); break;
      case 'rs1': f.rs1 = reg(t); break;
      case 'rs2': f.rs2 = reg(t); break;
      case 'rs3': f.rs3 = reg(t); break;
      case 'imm': f.imm = imm32(t); break;
      case 'mem': {
        const m = /^(.*)\(\s*(\S+)\s*\)$/.exec(t);
        if (!m) throw new LineError(`expected offset(rN), got '${t}'`);
        f.imm = m[1]!.trim() === '' ? 0 : imm32(m[1]!.trim());
        f.rs1 = reg(m[2]!);
        break;
      }
      case 'pc': f.imm = num(t, 0, 0xffffffff, 'a guest pc'); break;
      case 'retPc': f.retPc = num(t, 0, 0xffffffff, 'a guest return address'); break;
      case 'retired': f.retired = num(t, 0, 0x7fffffff, 'a retired-instruction count'); break;
      default: assertNever(k, 'operand kind');
    }
  });
  const a = atom(op, f);
  if (linkName !== undefined) {
    if (!isChainable(kind)) throw new LineError(`only exit, exit.if and exit.call can be chained ('-> ${linkName}')`);
    if (!links) throw new LineError(`link '-> ${linkName}' outside a module`);
    links.push({ atom: a, name: linkName, line });
  }
  return a;
}

function parseMolecule(text: string, links: PendingLink[] | undefined, line: number): Molecule {
  let t = text.trim();
  if (t.startsWith('{')) {
    if (!t.endsWith('}')) throw new LineError("unbalanced '{'");
    t = t.slice(1, -1).trim();
  }
  if (t === '') return { atoms: [] };
  const parts = t.split(';').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new LineError("empty atom between ';'");
  return { atoms: parts.map((p) => parseAtom(p, links, line)) };
}

const stripComment = (s: string): string => {
  const i = s.indexOf('#');
  return (i < 0 ? s : s.slice(0, i)).trim();
};

function wrap<T>(line: number, source: string | undefined, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof LineError) throw new UsageError(`${source ? `${source}:` : 'line '}${line}: ${e.message}`);
    throw e;
  }
}

/** One translation: molecule lines only (no header, no links). */
export function parseHostCode(text: string, opts: { hostAddr?: number; tag?: number; source?: string } = {}): HostCode {
  const molecules: Molecule[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = stripComment(raw);
    if (s !== '') molecules.push(wrap(i + 1, opts.source, () => parseMolecule(s, undefined, i + 1)));
  });
  return hostCode(molecules, opts.hostAddr ?? 0, opts.tag ?? 0);
}

/**
 * Several translations, each under a header `code NAME [host=ADDR] [tag=N]`; exits may be
 * chained by name to any translation of the module (`exit 0x80000000, 2 -> loop`).
 */
export function parseModule(text: string, source?: string): NamedCode[] {
  const out: { name: string; code: HostCode; molecules: Molecule[] }[] = [];
  const links: PendingLink[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = stripComment(raw);
    if (s === '') return;
    wrap(i + 1, source, () => {
      if (/^code\b/.test(s)) {
        const [, name, ...attrs] = s.split(/\s+/);
        if (!name || !/^[A-Za-z_][\w.$-]*$/.test(name)) throw new LineError('expected: code NAME [host=ADDR] [tag=N]');
        if (out.some((c) => c.name === name)) throw new LineError(`code '${name}' defined twice`);
        let hostAddr = 0;
        let tag = 0;
        for (const a of attrs) {
          const m = /^(host|tag)=(.*)$/.exec(a);
          if (!m) throw new LineError(`unknown code attribute '${a}' (host=ADDR, tag=N)`);
          if (m[1] === 'host') hostAddr = num(m[2]!, 0, 0xffffffff, 'a host address');
          else tag = num(m[2]!, 0, Number.MAX_SAFE_INTEGER, 'a tag');
        }
        const molecules: Molecule[] = [];
        out.push({ name, code: hostCode(molecules, hostAddr, tag), molecules });
        return;
      }
      const cur = out[out.length - 1];
      if (!cur) throw new LineError("molecule before the first 'code NAME' header");
      cur.molecules.push(parseMolecule(s, links, i + 1));
    });
  });
  for (const l of links) {
    const target = out.find((c) => c.name === l.name);
    if (!target) throw new UsageError(`${source ? `${source}:` : 'line '}${l.line}: link to unknown code '${l.name}'`);
    l.atom.link = target.code;
  }
  return out.map(({ name, code }) => ({ name, code }));
}

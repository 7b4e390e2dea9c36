/**
 * The IR text parser: the inverse of `printRegion`/`printInst` (ir.ts), so golden pass
 * tests can be written as IR text and the peephole rules as IR text patterns.
 * `parseRegion(printRegion(r))` gives back `r` (the temporary count is not printed: it is
 * taken as one past the highest temporary named). Blank lines and `#` comment lines are
 * ignored. Errors say which line is wrong and why.
 */
import { ALU, BRANCH, type AluOp, type BranchCond } from '../../core/alu.ts';
import { TEMP_BASE, type IrInst, type IrOpName, type IrRegion, type Loc } from './ir.ts';

export class IrParseError extends Error {}

const isAlu = (s: string): s is AluOp => Object.prototype.hasOwnProperty.call(ALU, s);
const isCond = (s: string): s is BranchCond => Object.prototype.hasOwnProperty.call(BRANCH, s);

export function parseLoc(s: string): Loc {
  const m = /^([xt])(\d+)$/.exec(s);
  if (!m) throw new IrParseError(`expected a location (x0..x31 or t<n>), got '${s}'`);
  const n = Number(m[2]);
  if (m[1] === 'x') {
    if (n > 31) throw new IrParseError(`no guest register ${s}`);
    return n;
  }
  return TEMP_BASE + n;
}

function parseInt32(s: string): number {
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(s)) throw new IrParseError(`expected an integer, got '${s}'`);
  const neg = s.startsWith('-');
  const v = Number(neg ? s.slice(1) : s);
  if (v > 0xffffffff) throw new IrParseError(`integer out of 32-bit range: ${s}`);
  return (neg ? -v : v) | 0;
}

function parseAddr(s: string): number {
  return parseInt32(s) >>> 0;
}

function parseRetired(s: string): number {
  const m = /^\[(\d+)\]$/.exec(s);
  if (!m) throw new IrParseError(`expected a retired count '[n]', got '${s}'`);
  return Number(m[1]);
}

function parseMem(s: string): { imm: number; base: Loc } {
  const m = /^(-?(?:0x[0-9a-f]+|\d+))\(([xt]\d+)\)$/i.exec(s);
  if (!m) throw new IrParseError(`expected a memory operand 'imm(base)', got '${s}'`);
  return { imm: parseInt32(m[1]!), base: parseLoc(m[2]!) };
}

const isLocText = (s: string): boolean => /^[xt]\d+$/.test(s);

/** Exits may end in `call 0x<return address>` (a call pushing it on the return-address stack). */
function callSuffix(args: readonly string[]): { args: readonly string[]; call: number | undefined } {
  const n = args.length;
  return n >= 2 && args[n - 2] === 'call' ? { args: args.slice(0, -2), call: parseAddr(args[n - 1]!) } : { args, call: undefined };
}

/** An instruction's text split into its parts: `dst = op args` or `op args ; pc`. */
interface Syntax {
  readonly dst: Loc | undefined;
  readonly op: string;
  readonly args: readonly string[];
  /** The `; pc` comment (required on memory ops). */
  pc(): number;
  /** Check the operand count (`got`, by default all of them) and that a destination is present or absent. */
  want(n: number, hasDst: boolean, got?: number): void;
}

/**
 * One reader per IR op, each returning undefined when the text is not its syntax. Keyed by
 * op name with `satisfies`, so a new IR op does not compile until the parser reads it.
 */
const READERS = {
  li: (s) => (s.op === 'li' ? (s.want(1, true), { op: 'li', dst: s.dst!, imm: parseInt32(s.args[0]!) }) : undefined),
  alu: (s) => (isAlu(s.op) && s.args.length === 2 && isLocText(s.args[1]!)
    ? (s.want(2, true), { op: 'alu', alu: s.op, dst: s.dst!, a: parseLoc(s.args[0]!), b: parseLoc(s.args[1]!) }) : undefined),
  alui: (s) => (isAlu(s.op) ? (s.want(2, true), { op: 'alui', alu: s.op, dst: s.dst!, a: parseLoc(s.args[0]!), imm: parseInt32(s.args[1]!) }) : undefined),
  cmp: (s) => {
    if (!s.op.startsWith('cmp.')) return undefined;
    const cond = s.op.slice(4);
    if (!isCond(cond)) throw new IrParseError(`unknown comparison '${s.op}'`);
    s.want(2, true);
    return { op: 'cmp', cond, dst: s.dst!, a: parseLoc(s.args[0]!), b: parseLoc(s.args[1]!) };
  },
  load: (s) => {
    const m = /^load([124])([su])$/.exec(s.op);
    if (!m) return undefined;
    s.want(1, true);
    return { op: 'load', size: Number(m[1]) as 1 | 2 | 4, signed: m[2] === 's', dst: s.dst!, ...parseMem(s.args[0]!), pc: s.pc() };
  },
  store: (s) => {
    const m = /^store([124])$/.exec(s.op);
    if (!m) return undefined;
    s.want(2, false);
    return { op: 'store', size: Number(m[1]) as 1 | 2 | 4, src: parseLoc(s.args[0]!), ...parseMem(s.args[1]!), pc: s.pc() };
  },
  exit: (s) => {
    if (s.op !== 'exit') return undefined;
    const { args, call } = callSuffix(s.args);
    s.want(2, false, args.length);
    const base = { op: 'exit', target: parseAddr(args[0]!), retired: parseRetired(args[1]!) } as const;
    return call === undefined ? base : { ...base, call };
  },
  exitIf: (s) => (s.op === 'exit.if'
    ? (s.want(3, false), { op: 'exitIf', cond: parseLoc(s.args[0]!), target: parseAddr(s.args[1]!), retired: parseRetired(s.args[2]!) }) : undefined),
  exitInd: (s) => {
    if (s.op !== 'exit.ind') return undefined;
    const ret = s.args[s.args.length - 1] === 'ret';
    const { args, call } = callSuffix(ret ? s.args.slice(0, -1) : s.args);
    s.want(2, false, args.length);
    const base = { op: 'exitInd', target: parseLoc(args[0]!), retired: parseRetired(args[1]!) } as const;
    return { ...base, ...(call === undefined ? {} : { call }), ...(ret ? { ret } : {}) };
  },
} as const satisfies { [K in IrOpName]: (s: Syntax) => Extract<IrInst, { op: K }> | undefined };

/** Parse one instruction in `printInst`'s form. */
export function parseInst(text: string): IrInst {
  const [body = '', comment] = text.split(';').map((x) => x.trim());
  const eq = /^([xt]\d+)\s*=\s*(\S+)\s*(.*)$/.exec(body);
  const words = eq ? [] : body.split(/\s+/);
  const op = eq ? eq[2]! : words[0] ?? '';
  const rest = eq ? eq[3]! : words.slice(1).join(' ');
  const args = rest.split(eq ? ',' : /[\s,]+/).map((x) => x.trim()).filter((x) => x !== '');
  const s: Syntax = {
    dst: eq ? parseLoc(eq[1]!) : undefined,
    op,
    args,
    pc: () => {
      if (comment === undefined || comment === '') throw new IrParseError('a load or store needs its guest pc as a comment: `; 0x...`');
      return parseAddr(comment);
    },
    want: (n, hasDst, got = args.length) => {
      if (hasDst !== (eq !== null)) throw new IrParseError(hasDst ? `'${op}' needs a destination: 'd = ${op} ...'` : `'${op}' has no destination`);
      if (got !== n) throw new IrParseError(`'${op}' takes ${n} operand(s), got ${got}`);
    },
  };
  for (const read of Object.values(READERS) as ((s: Syntax) => IrInst | undefined)[]) {
    const i = read(s);
    if (i) return i;
  }
  throw new IrParseError(`unknown operation '${op}'`);
}

/** Parse a region in `printRegion`'s form. */
export function parseRegion(text: string): IrRegion {
  const lines = text.split('\n').map((l, n) => ({ l: l.trim(), n: n + 1 })).filter(({ l }) => l !== '' && !l.startsWith('#'));
  const head = lines.shift();
  const h = head && /^region\s+(0x[0-9a-f]+)\.\.(0x[0-9a-f]+)\s+\((\d+) insns\)$/i.exec(head.l);
  if (!head || !h) throw new IrParseError(`line ${head?.n ?? 1}: expected 'region 0x<entry>..0x<end> (<n> insns)'`);
  const insts: IrInst[] = [];
  let temps = 0;
  for (const { l, n } of lines) {
    try {
      insts.push(parseInst(l));
    } catch (e) {
      if (e instanceof IrParseError) throw new IrParseError(`line ${n}: ${e.message}`);
      throw e;
    }
    for (const m of l.split(';')[0]!.matchAll(/\bt(\d+)\b/g)) temps = Math.max(temps, Number(m[1]) + 1);
  }
  return { entryPc: parseAddr(h[1]!), endPc: parseAddr(h[2]!), guestInsns: Number(h[3]), insts, temps };
}

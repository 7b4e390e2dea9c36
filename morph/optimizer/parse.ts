/**
 * The IR text parser: the inverse of `printRegion`/`printInst` (ir.ts), so golden pass
 * tests can be written as IR text and the peephole rules as IR text patterns.
 * `parseRegion(printRegion(r))` gives back `r` (the temporary count is not printed: it is
 * taken as one past the highest temporary named). Blank lines and `#` comment lines are
 * ignored. Errors say which line is wrong and why.
 */
import { ALU, BRANCH, type AluOp, type BranchCond } from '../../core/alu.ts';
import { TEMP_BASE, type IrInst, type IrRegion, type Loc } from './ir.ts';

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

/** Parse one instruction in `printInst`'s form (the `; pc` comment is required on memory ops). */
export function parseInst(text: string): IrInst {
  const [body = '', comment] = text.split(';').map((s) => s.trim());
  const pcOf = (): number => {
    if (comment === undefined || comment === '') throw new IrParseError('a load or store needs its guest pc as a comment: `; 0x...`');
    return parseAddr(comment);
  };
  const eq = /^([xt]\d+)\s*=\s*(\S+)\s*(.*)$/.exec(body);
  if (eq) {
    const dst = parseLoc(eq[1]!);
    const op = eq[2]!;
    const args = eq[3]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const want = (n: number): void => {
      if (args.length !== n) throw new IrParseError(`'${op}' takes ${n} operand(s), got ${args.length}`);
    };
    if (op === 'li') {
      want(1);
      return { op: 'li', dst, imm: parseInt32(args[0]!) };
    }
    if (op.startsWith('cmp.')) {
      const cond = op.slice(4);
      if (!isCond(cond)) throw new IrParseError(`unknown comparison '${op}'`);
      want(2);
      return { op: 'cmp', cond, dst, a: parseLoc(args[0]!), b: parseLoc(args[1]!) };
    }
    const ld = /^load([124])([su])$/.exec(op);
    if (ld) {
      want(1);
      return { op: 'load', size: Number(ld[1]) as 1 | 2 | 4, signed: ld[2] === 's', dst, ...parseMem(args[0]!), pc: pcOf() };
    }
    if (isAlu(op)) {
      want(2);
      const a = parseLoc(args[0]!);
      return isLocText(args[1]!)
        ? { op: 'alu', alu: op, dst, a, b: parseLoc(args[1]!) }
        : { op: 'alui', alu: op, dst, a, imm: parseInt32(args[1]!) };
    }
    throw new IrParseError(`unknown operation '${op}'`);
  }
  const words = body.split(/[\s,]+/).filter((s) => s !== '');
  const [op, ...args] = words;
  const want = (n: number): void => {
    if (args.length !== n) throw new IrParseError(`'${op}' takes ${n} operand(s), got ${args.length}`);
  };
  const st = /^store([124])$/.exec(op ?? '');
  if (st) {
    want(2);
    return { op: 'store', size: Number(st[1]) as 1 | 2 | 4, src: parseLoc(args[0]!), ...parseMem(args[1]!), pc: pcOf() };
  }
  switch (op) {
    case 'exit': want(2); return { op: 'exit', target: parseAddr(args[0]!), retired: parseRetired(args[1]!) };
    case 'exit.if': want(3); return { op: 'exitIf', cond: parseLoc(args[0]!), target: parseAddr(args[1]!), retired: parseRetired(args[2]!) };
    case 'exit.ind': want(2); return { op: 'exitInd', target: parseLoc(args[0]!), retired: parseRetired(args[1]!) };
    default: throw new IrParseError(`cannot parse instruction '${text.trim()}'`);
  }
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

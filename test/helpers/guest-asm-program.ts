/**
 * A two-pass assembler for small machine-mode test programs, built on the one-line
 * assembler `asm()` (isa-guest/encode.ts): it adds labels, a few pseudo-instructions and
 * data directives, and wraps the result into an ELF (one R+W+X segment, every label a
 * symbol, so a `tohost:` label gives the HTIF exit port of the machine platform).
 *
 * Pass 1 sizes every line (a pseudo-instruction's expansion never depends on a label, so
 * sizes are known before addresses); pass 2 encodes with the labels resolved.
 *
 * Syntax, one statement per line, `#` comments, any number of `label:` prefixes:
 *   any instruction `asm()` accepts; in branches and `jal` the target may be a label
 *   li rd, imm        addi (imm fits 12 bits) or lui + addi
 *   la rd, label      lui + addi of the label's absolute address (always two words)
 *   j label | call label | ret | mv rd, rs | nop | csrr rd, csr | csrw csr, rs
 *   .org ADDR         continue at the absolute address ADDR (≥ the current one; zero fill)
 *   .align N          zero fill to a multiple of N bytes
 *   .word V, ...      32-bit words (numbers, labels, label+N, label-N)
 *   .zero N           N zero bytes
 */
import { asm } from '../../isa-guest/encode.ts';
import { parseElf, type ElfImage } from '../../isa-guest/elf.ts';
import { RAM_BASE } from '../../isa-guest/platform-machine.ts';
import { buildElf } from './elf-builder.ts';

export interface AssembledProgram {
  readonly bytes: Uint8Array;
  readonly image: ElfImage;
  /** Address of every label. */
  readonly labels: ReadonlyMap<string, number>;
  /** Load address and the address just past the last byte. */
  readonly base: number;
  readonly end: number;
  /** Address of a label; throws on an unknown one (a typo in a test must not read as 0). */
  addr(label: string): number;
}

interface Stmt {
  readonly line: string;
  readonly op: string;
  readonly args: string[];
  readonly at: number;
  readonly size: number;
}

const fits12 = (v: number): boolean => v >= -2048 && v <= 2047;

/** Split `v` into lui's upper 20 bits and addi's sign-extended low 12 bits. */
export function hiLo(v: number): { hi: number; lo: number } {
  const lo = (v << 20) >> 20;
  const hi = (((v | 0) - lo) >>> 12) & 0xfffff;
  return { hi, lo };
}

function parseNum(s: string): number | undefined {
  const t = s.trim();
  if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(t)) return undefined;
  const neg = t.startsWith('-');
  const v = Number(neg ? t.slice(1) : t);
  return neg ? -v : v;
}

/** Bytes a statement occupies, from its text alone (pass 1). */
function sizeOf(op: string, args: string[], at: number, line: string): number {
  switch (op) {
    case '.org': {
      const to = parseNum(args[0] ?? '');
      if (to === undefined || to < at) throw new Error(`'${line}': .org must go forward to a numeric address`);
      return to - at;
    }
    case '.align': {
      const n = parseNum(args[0] ?? '');
      if (n === undefined || n <= 0 || (n & (n - 1)) !== 0) throw new Error(`'${line}': .align needs a power of two`);
      return (n - (at % n)) % n;
    }
    case '.word': return 4 * args.length;
    case '.zero': {
      const n = parseNum(args[0] ?? '');
      if (n === undefined || n < 0) throw new Error(`'${line}': .zero needs a byte count`);
      return n;
    }
    case 'li': {
      const v = parseNum(args[1] ?? '');
      if (v === undefined) throw new Error(`'${line}': li takes a number (use la for labels)`);
      return fits12(v) ? 4 : 8;
    }
    case 'la': return 8;
    default: return 4;
  }
}

/** Assemble `source` at `base` (default RAM_BASE); the entry is `_start` if defined, else `base`. */
export function assemble(source: string | readonly string[], base = RAM_BASE): AssembledProgram {
  const lines = typeof source === 'string' ? source.split('\n') : source.flatMap((s) => s.split('\n'));
  const labels = new Map<string, number>();
  const stmts: Stmt[] = [];
  let at = base;
  for (const raw of lines) {
    let line = raw.replace(/#.*/, '').trim();
    for (let m = /^([A-Za-z_.$][\w.$]*):/.exec(line); m; m = /^([A-Za-z_.$][\w.$]*):/.exec(line)) {
      if (labels.has(m[1]!)) throw new Error(`label '${m[1]}' defined twice`);
      labels.set(m[1]!, at);
      line = line.slice(m[0].length).trim();
    }
    if (line === '') continue;
    const sp = line.search(/\s/);
    const op = sp < 0 ? line : line.slice(0, sp);
    const args = sp < 0 ? [] : line.slice(sp + 1).split(',').map((a) => a.trim());
    const size = sizeOf(op, args, at, line);
    stmts.push({ line, op, args, at, size });
    at += size;
  }

  const out = new Uint8Array(at - base);
  const view = new DataView(out.buffer);
  const value = (s: string, line: string): number => {
    const n = parseNum(s);
    if (n !== undefined) return n;
    const m = /^([A-Za-z_.$][\w.$]*)\s*(?:([+-])\s*(\w+))?$/.exec(s);
    const l = m ? labels.get(m[1]!) : undefined;
    const off = m?.[3] !== undefined ? parseNum(m[3]) : 0;
    if (l === undefined || off === undefined) throw new Error(`'${line}': unknown label or bad number '${s}'`);
    return m![2] === '-' ? l - off : l + off;
  };
  for (const s of stmts) {
    const words = encodeStmt(s, value);
    words.forEach((w, i) => view.setUint32(s.at - base + 4 * i, w >>> 0, true));
    if (!s.op.startsWith('.') && words.length * 4 !== s.size) throw new Error(`'${s.line}': size changed between passes`);
  }

  const bytes = buildElf({
    entry: labels.get('_start') ?? base,
    segments: [{ vaddr: base, data: out, flags: 7 }],
    symbols: [...labels].map(([name, v]) => ({ name, value: v, type: 0 })),
  }).bytes;
  return {
    bytes,
    image: parseElf(bytes, 'test.elf'),
    labels,
    base,
    end: at,
    addr(label: string): number {
      const a = labels.get(label);
      if (a === undefined) throw new Error(`no label '${label}'`);
      return a;
    },
  };
}

/** The words of one statement (pass 2). */
function encodeStmt(s: Stmt, value: (s: string, line: string) => number): number[] {
  const { op, args, at, line } = s;
  const rel = (target: string): number => value(target, line) - at;
  switch (op) {
    case '.org': case '.align': case '.zero': return [];
    case '.word': return args.map((a) => value(a, line) >>> 0);
    case 'li': {
      const v = value(args[1]!, line);
      if (fits12(v)) return [asm(`addi ${args[0]}, zero, ${v}`)];
      const { hi, lo } = hiLo(v);
      return [asm(`lui ${args[0]}, ${hi}`), asm(`addi ${args[0]}, ${args[0]}, ${lo}`)];
    }
    case 'la': {
      const { hi, lo } = hiLo(value(args[1]!, line));
      return [asm(`lui ${args[0]}, ${hi}`), asm(`addi ${args[0]}, ${args[0]}, ${lo}`)];
    }
    case 'j': return [asm(`jal zero, ${rel(args[0]!)}`)];
    case 'call': return [asm(`jal ra, ${rel(args[0]!)}`)];
    case 'ret': return [asm('jalr zero, 0(ra)')];
    case 'mv': return [asm(`addi ${args[0]}, ${args[1]}, 0`)];
    case 'nop': return [asm('addi zero, zero, 0')];
    case 'csrr': return [asm(`csrrs ${args[0]}, ${args[1]}, zero`)];
    case 'csrw': return [asm(`csrrw zero, ${args[0]}, ${args[1]}`)];
    case 'jal':
      if (args.length === 2 && parseNum(args[1]!) === undefined) return [asm(`jal ${args[0]}, ${rel(args[1]!)}`)];
      return [asm(line)];
    case 'beq': case 'bne': case 'blt': case 'bge': case 'bltu': case 'bgeu':
      if (args.length === 3 && parseNum(args[2]!) === undefined) return [asm(`${op} ${args[0]}, ${args[1]}, ${rel(args[2]!)}`)];
      return [asm(line)];
    default: return [asm(line)];
  }
}

/**
 * Exit through HTIF with the exit code in register `reg`: tohost ← (code << 1) | 1.
 * Clobbers t5 and t6; the program must define an 8-byte aligned `tohost:` label.
 */
export function exitWith(reg: string): string[] {
  // The store ends the run; the jump-to-self only guards against running on.
  return [`slli t6, ${reg}, 1`, 'ori t6, t6, 1', 'la t5, tohost', 'sw t6, 0(t5)', 'jal zero, 0'];
}

/** The data block every program ends with: the HTIF port, 8-byte aligned, on its own page. */
export const TOHOST = ['.align 4096', 'tohost: .word 0, 0', 'fromhost: .word 0, 0'];

/**
 * The peephole rule engine: rewrites written as small declarative rules in IR text
 * (Cranelift's ISLE `opts/` habit, STYLE.md point 8). A rule is
 *
 *   { name: 'xor-self', from: '$d = xor $a, $a', to: '$d = li 0' }
 *
 * Patterns are `printInst` text with metavariables: `$v` matches a location, `#v` an
 * immediate, `@v` an operation name; a name used twice must match the same thing, and
 * anything else (`x0`, `0`, `add`) matches literally. With several patterns, the last one
 * matches the instruction being rewritten and each earlier one the instruction that last
 * wrote the location it defines — only while that definition is pure and none of its
 * operands has been overwritten since, so a location bound there still holds its value.
 * `when` sees the bound immediates and may refuse the match (false) or compute more
 * immediates for `to` (numbers are wrapped to 32 bits). The rules the engine enforces —
 * and the ones a rule's author must keep — are in passes/README.md.
 */
import { def, hasEffects, printInst, uses, type IrInst, type IrRegion, type Loc } from './ir.ts';
import { parseInst, parseLoc } from './parse.ts';

export interface Rule {
  /** Kebab-case, unique in its set. */
  readonly name: string;
  /** The identity the rule relies on, in a few words. */
  readonly doc: string;
  readonly from: string | readonly string[];
  readonly to: string;
  readonly when?: (imm: Readonly<Record<string, number>>) => boolean | Record<string, number>;
}

interface Compiled {
  readonly rule: Rule;
  /** Tokens of each pattern, outermost (the rewritten instruction) last. */
  readonly pats: readonly (readonly string[])[];
}

const TOKEN = /\[\d+\]|\$\w+|#\w+|@\w+|[xt]\d+\b|-?0x[0-9a-f]+|-?\d+|[a-z][\w.]*|[=,()]/gi;

function tokens(text: string): string[] {
  const semi = text.indexOf(';');
  return (semi < 0 ? text : text.slice(0, semi)).match(TOKEN) ?? [];
}

/** Tokens of a rule's pattern, which must consist of nothing else. */
function patternTokens(rule: Rule, text: string): string[] {
  const out = tokens(text);
  if (out.join('') !== text.replace(/\s/g, '')) throw new Error(`rule '${rule.name}': cannot read pattern '${text}'`);
  return out;
}

const isNum = (t: string): boolean => /^-?(0x[0-9a-f]+|\d+)$/i.test(t);
const isLocTok = (t: string): boolean => /^[xt]\d+$/.test(t);
const opToken = (pat: readonly string[]): string => (pat[1] === '=' ? pat[2]! : pat[0]!);

/** The first pattern's destination must be a location variable bound by a later one. */
function compile(rule: Rule): Compiled {
  const pats = (typeof rule.from === 'string' ? [rule.from] : rule.from).map((p) => patternTokens(rule, p));
  if (pats.length === 0) throw new Error(`rule '${rule.name}': no pattern`);
  for (const p of pats.slice(0, -1)) {
    if (p[1] !== '=' || !p[0]!.startsWith('$')) throw new Error(`rule '${rule.name}': an inner pattern must define a $location`);
  }
  patternTokens(rule, rule.to);
  return { rule, pats };
}

type Binding = Map<string, string>;

function matchTokens(pat: readonly string[], text: readonly string[], b: Binding): boolean {
  if (pat.length !== text.length) return false;
  for (let k = 0; k < pat.length; k++) {
    const p = pat[k]!;
    const t = text[k]!;
    const sigil = p[0];
    if (sigil === '$' || sigil === '#' || sigil === '@') {
      const ok = sigil === '$' ? isLocTok(t) : sigil === '#' ? isNum(t) : /^[a-z]/i.test(t) && !isLocTok(t);
      if (!ok) return false;
      const prev = b.get(p);
      if (prev === undefined) b.set(p, t);
      else if (sigil === '#' ? Number(prev) !== Number(t) : prev !== t) return false;
    } else if (isNum(p) && isNum(t)) {
      if ((Number(p) | 0) !== (Number(t) | 0)) return false;
    } else if (p !== t) return false;
  }
  return true;
}

/** A set of rules, compiled once and indexed by the operation they rewrite. */
export class RuleSet {
  private readonly byOp = new Map<string, Compiled[]>();
  private readonly anyOp: Compiled[] = [];
  readonly rules: readonly Rule[];

  constructor(rules: readonly Rule[]) {
    this.rules = rules;
    const seen = new Set<string>();
    for (const r of rules) {
      if (seen.has(r.name)) throw new Error(`two rules named '${r.name}'`);
      seen.add(r.name);
      const c = compile(r);
      const op = opToken(c.pats[c.pats.length - 1]!);
      if (op.startsWith('@')) this.anyOp.push(c);
      else {
        const list = this.byOp.get(op) ?? [];
        list.push(c);
        this.byOp.set(op, list);
      }
    }
  }

  /** The first rule that rewrites `i` (its operand definitions given by `defOf`), and the result. */
  rewrite(i: IrInst, defOf: (l: Loc) => IrInst | undefined, textOf = (x: IrInst): readonly string[] => tokens(printInst(x))): { rule: Rule; inst: IrInst } | undefined {
    const text = textOf(i);
    for (const c of (this.byOp.get(opToken(text)) ?? []).concat(this.anyOp)) {
      const b: Binding = new Map();
      if (!matchTokens(c.pats[c.pats.length - 1]!, text, b)) continue;
      let ok = true;
      for (let k = c.pats.length - 2; k >= 0 && ok; k--) {
        const pat = c.pats[k]!;
        const loc = b.get(pat[0]!);
        const d = loc === undefined ? undefined : defOf(parseLoc(loc));
        ok = d !== undefined && matchTokens(pat, textOf(d), b);
      }
      if (!ok) continue;
      const imms: Record<string, number> = {};
      for (const [k, v] of b) if (k.startsWith('#')) imms[k.slice(1)] = Number(v) | 0;
      const extra = c.rule.when ? c.rule.when(imms) : true;
      if (extra === false) continue;
      if (typeof extra === 'object') for (const [k, v] of Object.entries(extra)) b.set(`#${k}`, String(v | 0));
      return { rule: c.rule, inst: instantiate(c.rule, b, i) };
    }
    return undefined;
  }
}

function instantiate(rule: Rule, b: Binding, orig: IrInst): IrInst {
  const text = tokens(rule.to).map((t) => {
    if (!/^[$#@]/.test(t)) return t;
    const v = b.get(t);
    if (v === undefined) throw new Error(`rule '${rule.name}': '${t}' in the replacement is not bound`);
    return v;
  });
  const pc = orig.op === 'load' || orig.op === 'store' ? `  ; 0x${orig.pc.toString(16)}` : '';
  const out = parseInst(text.join(' ').replace(/ ,/g, ',').replace(/ \( /g, '(').replace(/ \)/g, ')') + pc);
  // The engine's own guarantees (passes/README.md): same destination, and an instruction
  // with effects stays the same kind of instruction.
  if (def(out) !== def(orig)) throw new Error(`rule '${rule.name}' changed the destination of '${printInst(orig)}'`);
  if (hasEffects(orig) ? out.op !== orig.op : hasEffects(out)) throw new Error(`rule '${rule.name}' changed the effects of '${printInst(orig)}'`);
  return out;
}

/**
 * Apply a rule set over a region, each instruction rewritten until no rule applies (at most
 * a few times). Calls `fired` with each rule that rewrote something.
 */
export function applyRules(r: IrRegion, rules: RuleSet, fired?: (rule: Rule) => void): IrRegion {
  /** Current pure definition of each location whose operands still hold. */
  const defs = new Map<Loc, IrInst>();
  // Definitions are matched again and again: tokenize each instruction once.
  const seen = new WeakMap<IrInst, readonly string[]>();
  const textOf = (x: IrInst): readonly string[] => {
    let t = seen.get(x);
    if (!t) seen.set(x, (t = tokens(printInst(x))));
    return t;
  };
  const out: IrInst[] = [];
  for (const orig of r.insts) {
    let i = orig;
    for (let round = 0; round < 8; round++) {
      const hit = rules.rewrite(i, (l) => defs.get(l), textOf);
      if (!hit) break;
      fired?.(hit.rule);
      i = hit.inst;
    }
    const d = def(i);
    if (d !== undefined) {
      for (const [k, v] of defs) if (k === d || uses(v).includes(d)) defs.delete(k);
      if (!hasEffects(i) && !uses(i).includes(d)) defs.set(d, i);
    }
    out.push(i);
  }
  return { ...r, insts: out };
}

/**
 * Shrinking a diverging program to a small reproducer (delta debugging, Zeller's ddmin in
 * its simple greedy form): drop whole blocks, then functions, register initializations,
 * then single lines, keeping
 * each removal only while the program still assembles, still exits under the reference,
 * and still diverges under the failing configuration. A line that carries a label keeps
 * the label (others may jump to it); removals that make a loop run away are rejected by
 * the reference's instruction budget.
 */
import type { Block, GeneratedProgram } from './generate.ts';
import { diverges, programOverrides, subjectOfProgram, type EngineConfig } from './diff.ts';

/** Does `p` still diverge under `config`? Programs that do not assemble do not. */
function stillDiverges(p: GeneratedProgram, config: EngineConfig): boolean {
  try {
    return diverges(subjectOfProgram(p), config, programOverrides(p));
  } catch {
    return false; // a removal left a reference to a dropped label
  }
}

/** Remove chunks of a list, large chunks first, keeping each removal that `keep` accepts. */
function ddmin<T>(xs: readonly T[], keep: (ys: readonly T[]) => boolean, budget: { n: number }): T[] {
  let cur = [...xs];
  for (let chunk = Math.max(1, cur.length >> 1); chunk >= 1; chunk = chunk === 1 ? 0 : Math.max(1, chunk >> 1)) {
    for (let i = cur.length - chunk; i >= 0 && budget.n > 0; i -= chunk) {
      const cand = [...cur.slice(0, i), ...cur.slice(i + chunk)];
      budget.n--;
      if (keep(cand)) cur = cand;
    }
    if (chunk === 1) break;
  }
  return cur;
}

/** The line without its instruction (labels kept), or undefined if nothing would change. */
function stripLine(line: string): string | undefined {
  const m = /^((?:[A-Za-z_.$][\w.$]*:\s*)+)(.*)$/.exec(line);
  if (!m) return '';
  return m[2]!.trim() === '' ? undefined : m[1]!.trim();
}

export interface ShrinkResult {
  readonly program: GeneratedProgram;
  /** Candidate programs tried. */
  readonly tries: number;
}

/** Shrink `p`, which diverges under `config`, within `maxTries` candidate runs. */
export function shrink(p: GeneratedProgram, config: EngineConfig, maxTries = 400): ShrinkResult {
  const budget = { n: maxTries };
  let cur = p;
  // Interrupts make everything harder to read: try without the storm first.
  if (cur.storm) {
    const calm = { ...cur, storm: false };
    budget.n--;
    if (stillDiverges(calm, config)) cur = calm;
  }
  const blocks = ddmin(cur.blocks, (bs) => stillDiverges({ ...cur, blocks: bs }, config), budget);
  cur = { ...cur, blocks };
  const funcs = ddmin(cur.funcs, (fs) => stillDiverges({ ...cur, funcs: fs }, config), budget);
  cur = { ...cur, funcs };
  // Register initializations (an uninitialized register starts at 0).
  const regs = ddmin(cur.regs, (rs) => stillDiverges({ ...cur, regs: rs }, config), budget);
  cur = { ...cur, regs };
  // Lines within each block and function, last block first.
  for (const which of ['blocks', 'funcs'] as const) {
    for (let bi = cur[which].length - 1; bi >= 0; bi--) {
      const b = cur[which][bi]!;
      const withLines = (lines: readonly string[]): GeneratedProgram => {
        const list: Block[] = [...cur[which]];
        list[bi] = { ...b, lines };
        return { ...cur, [which]: list };
      };
      const indexes = b.lines.map((_, i) => i).filter((i) => stripLine(b.lines[i]!) !== undefined);
      const keptIdx = new Set(ddmin(indexes, (ix) => {
        const keep = new Set(ix);
        const lines = b.lines.flatMap((l, i) => (keep.has(i) || !indexes.includes(i) ? [l] : stripLine(l) ? [stripLine(l)!] : []));
        return stillDiverges(withLines(lines), config);
      }, budget));
      const lines = b.lines.flatMap((l, i) => (keptIdx.has(i) || !indexes.includes(i) ? [l] : stripLine(l) ? [stripLine(l)!] : []));
      cur = withLines(lines);
    }
  }
  return { program: cur, tries: maxTries - budget.n };
}

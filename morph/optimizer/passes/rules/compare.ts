// Comparisons: a comparison of a location with itself is known; comparing a difference or
// an exclusive-or with zero compares the operands; testing a comparison's 0/1 result
// against zero, or flipping it with `xor 1`, is the comparison itself or its inverse.
import type { BranchCond } from '../../../../core/alu.ts';
import type { Rule } from '../../rules.ts';

const INVERSE = { eq: 'ne', ne: 'eq', lt: 'ge', ge: 'lt', ltu: 'geu', geu: 'ltu' } as const satisfies Record<BranchCond, BranchCond>;
const CONDS = Object.keys(INVERSE) as BranchCond[];
const SELF = { eq: 1, ne: 0, lt: 0, ge: 1, ltu: 0, geu: 1 } as const satisfies Record<BranchCond, 0 | 1>;

export const COMPARE_RULES: readonly Rule[] = [
  ...CONDS.map((c): Rule => ({ name: `cmp-${c}-self`, doc: `a ${c} a is ${SELF[c] === 1}`, from: `$d = cmp.${c} $a, $a`, to: `$d = li ${SELF[c]}` })),
  { name: 'cmp-ltu-zero', doc: 'nothing is below 0 unsigned', from: '$d = cmp.ltu $a, x0', to: '$d = li 0' },
  { name: 'cmp-geu-zero', doc: 'everything is at least 0 unsigned', from: '$d = cmp.geu $a, x0', to: '$d = li 1' },
  ...CONDS.map((c): Rule => ({
    name: `not-cmp-${c}`, doc: `(a ${c} b) ^ 1 = a ${INVERSE[c]} b`,
    from: [`$t = cmp.${c} $a, $b`, '$d = xor $t, 1'], to: `$d = cmp.${INVERSE[c]} $a, $b`,
  })),
  ...CONDS.map((c): Rule => ({
    name: `cmp-${c}-eq-zero`, doc: `(a ${c} b) == 0 is a ${INVERSE[c]} b`,
    from: [`$t = cmp.${c} $a, $b`, '$d = cmp.eq $t, x0'], to: `$d = cmp.${INVERSE[c]} $a, $b`,
  })),
  ...CONDS.map((c): Rule => ({
    name: `cmp-${c}-ne-zero`, doc: `(a ${c} b) != 0 is a ${c} b, already 0 or 1`,
    from: [`$t = cmp.${c} $a, $b`, '$d = cmp.ne $t, x0'], to: '$d = add $t, 0',
  })),
  ...(['sub', 'xor'] as const).flatMap((op) => (['eq', 'ne'] as const).map((c): Rule => ({
    name: `${op}-cmp-${c}-zero`, doc: `(a ${op} b) ${c} 0 is a ${c} b`,
    from: [`$t = ${op} $a, $b`, `$d = cmp.${c} $t, x0`], to: `$d = cmp.${c} $a, $b`,
  }))),
];

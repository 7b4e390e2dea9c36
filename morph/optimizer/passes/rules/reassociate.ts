// Reassociation: two constant steps of the same associative operation in a row become one
// (`(a + c1) + c2 = a + (c1 + c2)` modulo 2^32), as do shifts by constants while the total
// stays below 32 (and give 0 past it); a left shift undone by a logical right shift is a
// mask; an add undone by a subtract gives back the original operand.
import type { Rule } from '../../rules.ts';

const chain = (op: string, sym: string, combine: (c1: number, c2: number) => number): Rule => ({
  name: `${op}-${op}`, doc: `(a ${sym} c1) ${sym} c2 = a ${sym} (c1 ${sym} c2)`,
  from: [`$t = ${op} $a, #c1`, `$d = ${op} $t, #c2`], to: `$d = ${op} $a, #c`,
  when: ({ c1, c2 }) => ({ c: combine(c1!, c2!) }),
});

const shifts = (op: string, sym: string): Rule => ({
  name: `${op}-${op}`, doc: `(a ${sym} c1) ${sym} c2 = a ${sym} (c1 + c2) while c1 + c2 < 32`,
  from: [`$t = ${op} $a, #c1`, `$d = ${op} $t, #c2`], to: `$d = ${op} $a, #c`,
  when: ({ c1, c2 }) => c1! >= 0 && c2! >= 0 && c1! + c2! < 32 && { c: c1! + c2! },
});

export const REASSOCIATE_RULES: readonly Rule[] = [
  chain('add', '+', (a, b) => a + b),
  chain('xor', '^', (a, b) => a ^ b),
  chain('and', '&', (a, b) => a & b),
  chain('or', '|', (a, b) => a | b),
  shifts('sll', '<<'),
  shifts('srl', '>>>'),
  ...(['sll', 'srl'] as const).map((op): Rule => ({
    name: `${op}-${op}-out`, doc: `shifting (logically) by 32 or more in total leaves 0`,
    from: [`$t = ${op} $a, #c1`, `$d = ${op} $t, #c2`], to: '$d = li 0',
    when: ({ c1, c2 }) => c1! >= 0 && c1! < 32 && c2! >= 0 && c2! < 32 && c1! + c2! >= 32,
  })),
  {
    name: 'sra-sra', doc: '(a >> c1) >> c2 = a >> min(c1 + c2, 31)',
    from: ['$t = sra $a, #c1', '$d = sra $t, #c2'], to: '$d = sra $a, #c',
    when: ({ c1, c2 }) => c1! >= 0 && c1! < 32 && c2! >= 0 && c2! < 32 && { c: Math.min(c1! + c2!, 31) },
  },
  {
    name: 'sll-srl-mask', doc: '(a << k) >>> k keeps the low 32 - k bits: a & (~0 >>> k)',
    from: ['$t = sll $a, #k', '$d = srl $t, #k'], to: '$d = and $a, #m',
    when: ({ k }) => k! >= 0 && k! < 32 && { m: -1 >>> k! },
  },
  { name: 'add-sub', doc: '(a + b) - b = a', from: ['$t = add $a, $b', '$d = sub $t, $b'], to: '$d = add $a, 0' },
  { name: 'sub-add', doc: '(a - b) + b = a', from: ['$t = sub $a, $b', '$d = add $t, $b'], to: '$d = add $a, 0' },
];

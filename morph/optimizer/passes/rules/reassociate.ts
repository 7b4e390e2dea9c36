// Reassociation: two constant steps of the same associative operation in a row become one
// (`(a + c1) + c2 = a + (c1 + c2)` modulo 2^32), as do shifts by constants while the total
// stays below 32; an add undone by a subtract gives back the original operand.
import type { Rule } from '../../rules.ts';

const chain = (op: string, combine: (c1: number, c2: number) => number): Rule => ({
  name: `${op}-${op}`, doc: `(a ${op} c1) ${op} c2 = a ${op} (c1 ${op} c2)`,
  from: [`$t = ${op} $a, #c1`, `$d = ${op} $t, #c2`], to: `$d = ${op} $a, #c`,
  when: ({ c1, c2 }) => ({ c: combine(c1!, c2!) }),
});

const shifts = (op: string): Rule => ({
  name: `${op}-${op}`, doc: `(a ${op} c1) ${op} c2 = a ${op} (c1 + c2) while c1 + c2 < 32`,
  from: [`$t = ${op} $a, #c1`, `$d = ${op} $t, #c2`], to: `$d = ${op} $a, #c`,
  when: ({ c1, c2 }) => c1! >= 0 && c2! >= 0 && c1! + c2! < 32 && { c: c1! + c2! },
});

export const REASSOCIATE_RULES: readonly Rule[] = [
  chain('add', (a, b) => a + b),
  chain('xor', (a, b) => a ^ b),
  chain('and', (a, b) => a & b),
  chain('or', (a, b) => a | b),
  shifts('sll'),
  shifts('srl'),
  { name: 'add-sub', doc: '(a + b) - b = a', from: ['$t = add $a, $b', '$d = sub $t, $b'], to: '$d = add $a, 0' },
  { name: 'sub-add', doc: '(a - b) + b = a', from: ['$t = sub $a, $b', '$d = add $t, $b'], to: '$d = add $a, 0' },
];

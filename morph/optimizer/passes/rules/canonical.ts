// Canonical forms, so that later rules and passes (CSE keys, address folding) see one
// spelling of each operation: subtracting a constant is adding its negation, and a shift
// amount is its low five bits (RV32 shifts use only those).
import type { Rule } from '../../rules.ts';

const shiftMask = (op: string): Rule => ({
  name: `${op}-amount-mask`, doc: `${op} uses the amount's low 5 bits`,
  from: `$d = ${op} $a, #c`, to: `$d = ${op} $a, #m`,
  when: ({ c }) => (c! & 31) !== c && { m: c! & 31 },
});

export const CANONICAL_RULES: readonly Rule[] = [
  { name: 'sub-imm', doc: 'a - c = a + (-c), modulo 2^32', from: '$d = sub $a, #c', to: '$d = add $a, #n', when: ({ c }) => c !== 0 && { n: -c! } },
  shiftMask('sll'),
  shiftMask('srl'),
  shiftMask('sra'),
];

// Algebraic identities: an operation that leaves its operand unchanged becomes a copy
// (`add a, 0`, the IR's move), one whose result does not depend on its operand becomes `li`.
import type { Rule } from '../../rules.ts';

const copyWhen = (op: string, imm: number, why: string): Rule =>
  ({ name: `${op}-${imm < 0 ? 'minus-' : ''}${Math.abs(imm)}`, doc: why, from: `$d = ${op} $a, ${imm}`, to: '$d = add $a, 0' });

export const IDENTITY_RULES: readonly Rule[] = [
  copyWhen('or', 0, 'a | 0 = a'),
  copyWhen('xor', 0, 'a ^ 0 = a'),
  copyWhen('sub', 0, 'a - 0 = a'),
  copyWhen('sll', 0, 'a << 0 = a'),
  copyWhen('srl', 0, 'a >>> 0 = a'),
  copyWhen('sra', 0, 'a >> 0 = a'),
  copyWhen('and', -1, 'a & ~0 = a'),
  copyWhen('mul', 1, 'a * 1 = a'),
  copyWhen('div', 1, 'a / 1 = a (signed)'),
  copyWhen('divu', 1, 'a / 1 = a (unsigned)'),
  { name: 'and-0', doc: 'a & 0 = 0', from: '$d = and $a, 0', to: '$d = li 0' },
  ...(['mul', 'mulh', 'mulhsu', 'mulhu'] as const).map((op): Rule => ({ name: `${op}-0`, doc: 'every word of a * 0 is 0', from: `$d = ${op} $a, 0`, to: '$d = li 0' })),
  { name: 'or-minus-1', doc: 'a | ~0 = ~0', from: '$d = or $a, -1', to: '$d = li -1' },
  { name: 'rem-1', doc: 'a % 1 = 0', from: '$d = rem $a, 1', to: '$d = li 0' },
  { name: 'rem-minus-1', doc: 'a % -1 = 0 (-2^31 % -1 is 0 on RV32 too)', from: '$d = rem $a, -1', to: '$d = li 0' },
  { name: 'remu-1', doc: 'a % 1 = 0 (unsigned)', from: '$d = remu $a, 1', to: '$d = li 0' },
  { name: 'sub-self', doc: 'a - a = 0', from: '$d = sub $a, $a', to: '$d = li 0' },
  { name: 'xor-self', doc: 'a ^ a = 0', from: '$d = xor $a, $a', to: '$d = li 0' },
  { name: 'and-self', doc: 'a & a = a', from: '$d = and $a, $a', to: '$d = add $a, 0' },
  { name: 'or-self', doc: 'a | a = a', from: '$d = or $a, $a', to: '$d = add $a, 0' },
  { name: 'slt-self', doc: 'a < a is false', from: '$d = slt $a, $a', to: '$d = li 0' },
  { name: 'sltu-self', doc: 'a < a is false (unsigned)', from: '$d = sltu $a, $a', to: '$d = li 0' },
  { name: 'sltu-0', doc: 'nothing is below 0 unsigned', from: '$d = sltu $a, 0', to: '$d = li 0' },
];

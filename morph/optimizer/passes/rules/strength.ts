// Strength reduction: multiplying by 2^k is shifting left by k (exact modulo 2^32, also for
// 2^31); unsigned division and remainder by 2^k are a logical shift and a mask. Signed
// division is left alone (it rounds toward zero, a shift rounds down).
import type { Rule } from '../../rules.ts';

/** k when c (read unsigned) is 2^k, else undefined. */
function log2(c: number): number | undefined {
  const u = c >>> 0;
  return u !== 0 && (u & (u - 1)) === 0 ? 31 - Math.clz32(u) : undefined;
}

export const STRENGTH_RULES: readonly Rule[] = [
  { name: 'mul-pow2', doc: 'a * 2^k = a << k', from: '$d = mul $a, #c', to: '$d = sll $a, #k', when: ({ c }) => { const k = log2(c!); return k !== undefined && { k }; } },
  { name: 'divu-pow2', doc: 'a / 2^k = a >>> k (unsigned)', from: '$d = divu $a, #c', to: '$d = srl $a, #k', when: ({ c }) => { const k = log2(c!); return k !== undefined && { k }; } },
  { name: 'remu-pow2', doc: 'a % 2^k = a & (2^k - 1) (unsigned)', from: '$d = remu $a, #c', to: '$d = and $a, #m', when: ({ c }) => log2(c!) !== undefined && { m: (c! - 1) | 0 } },
  { name: 'mul-minus-1', doc: 'a * -1 = 0 - a', from: '$d = mul $a, -1', to: '$d = sub x0, $a' },
];

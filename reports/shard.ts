/**
 * Sharding a sweep: `--shard i/K` selects the i-th of K disjoint slices of the expanded
 * points, so that a Slurm job array, another scheduler or a shell loop can run the slices
 * anywhere and `morphsim sweep --merge` can put them back together.
 *
 * The partition is by position in the expansion order, round robin (point p belongs to
 * shard p mod K): the expansion is deterministic, and round robin spreads the workloads
 * and axis values, which differ widely in cost, evenly over the shards.
 */
import { UsageError } from '../core/errors.ts';

export interface Shard {
  /** 0 ≤ index < count, as Slurm numbers array tasks from 0. */
  readonly index: number;
  readonly count: number;
}

/** The largest shard count accepted (Slurm's default MaxArraySize is 1001). */
export const MAX_SHARDS = 10_000;

const positiveInt = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);

/** Parses `--shard i/K` ("2/4"): shard 2 of shards 0..3. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? positiveInt(m[1]!) : undefined;
  const count = m ? positiveInt(m[2]!) : undefined;
  if (index === undefined || count === undefined) throw new UsageError(`--shard expects i/K (e.g. 0/4), got '${text}'`);
  if (count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard ${text}: K must be between 1 and ${MAX_SHARDS}`);
  if (index >= count) throw new UsageError(`--shard ${text}: i must be between 0 and K-1 = ${count - 1}`);
  return { index, count };
}

/** Parses `--shards K`. */
export function parseShardCount(text: string): number {
  const n = positiveInt(text.trim());
  if (n === undefined || n < 1 || n > MAX_SHARDS) throw new UsageError(`--shards expects an integer between 1 and ${MAX_SHARDS}, got '${text}'`);
  return n;
}

/** The shard that runs the point at `position` of the expansion order. */
export const shardOfPosition = (position: number, count: number): number => position % count;

/** The points of one shard, in expansion order. */
export function selectShard<T>(points: readonly T[], shard: Shard): T[] {
  return points.filter((_, p) => shardOfPosition(p, shard.count) === shard.index);
}

/** `shard-2.jsonl`: where shard 2 writes its results inside the sweep directory. */
export const shardFileName = (index: number): string => `shard-${index}.jsonl`;

/** The shard index of a file name written by `shardFileName`, or undefined. */
export function shardIndexOfFile(name: string): number | undefined {
  const m = /^shard-(\d+)\.jsonl$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `0-3` or `1,3,5-7`: shard indexes in Slurm's --array syntax, ranges folded. */
export function arrayRanges(indexes: readonly number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The indexes of an --array specification written by `arrayRanges` (`1,3,5-7`). */
export function parseArrayRanges(text: string): number[] {
  return text.split(',').flatMap((part) => {
    const [a, b = a] = part.split('-').map(Number) as [number, number?];
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  });
}

/**
 * Sweeps over parameter grids: expand a spec into points, run them in parallel on worker
 * threads, and keep the results in a resumable JSON Lines file. The CLI (`morphsim sweep`)
 * and library users share this API:
 *
 *   expandSpec(spec, { baseDir }) → SweepPoint[]
 *       Validates the spec (reports/sweep-spec.ts) and expands it, deterministically:
 *       workloads in spec order, outermost; for each, the cartesian product of the axes
 *       (first axis outermost, values in spec order), then the explicit points. Each point
 *       carries its key (`pointKey`: sha256 over ELF bytes, arguments, platform, resolved
 *       configuration, instruction limit and morphsim version), workload, the parameters
 *       it sets on top of the base, the fully resolved configuration and its index in this
 *       order. Two points with the same key are one point (the first is kept).
 *
 *   runPoints(points, { jobs, resume, outFile, onProgress }) → Promise<PointRecord[]>
 *       Runs the points on `jobs` worker threads (default: the number of cores). Each
 *       finished point is appended to `outFile` as one whole JSON line (results.ts) the
 *       moment it finishes; with `resume`, points whose key is already in the file are not
 *       run again (except those recorded as crashed: their line is dropped and they run
 *       again). A point that fails (non-zero exit, instruction limit, simulator error,
 *       worker crash) is recorded with its error and the sweep goes on. Returns every
 *       record of these points (resumed ones included) in point order.
 *
 *   sweep(spec, options) → Promise<{ points, records }>
 *       Both of the above.
 *
 *   readResults(path), readResultsFiles(paths), ResultsWriter, lockResults(path): the JSONL
 *       reader (one file, or several with each key once), the line-atomic appender, and the
 *       lock (`<file>.lock`) a sweep holds while it writes a results file.
 *
 * Worker threads load `sweep-worker.mjs` next to this file: in the source tree a bootstrap
 * that registers tsx and imports `sweep-worker.ts`; a bundled build should emit the bundled
 * worker (entry `reports/sweep-worker.ts`) under that same name next to the bundle, and
 * without one the bundle's workers fall back to the source tree's bootstrap.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { UsageError } from '../core/errors.ts';
import { readInput, writeFileAtomic } from '../core/fsutil.ts';
import type { Config, ParamValue } from '../core/params.ts';
import { VERSION } from '../core/version.ts';
import { paramRegistry } from '../morph/config.ts';
import { lockResults, readResults, ResultsWriter, type PointRecord, type PointWorkload } from './results.ts';
import { crashedPoint } from './run-point.ts';
import { parseSweepSpec, type SweepSpec, type SweepSpecInput } from './sweep-spec.ts';

export { lockResults, readResults, readResultsFiles, ResultsWriter, parseResults, POINT_SCHEMA, type PointRecord } from './results.ts';
export { parseSweepSpec, readSweepSpec, type SweepSpec, type SweepSpecInput } from './sweep-spec.ts';

export interface SweepPoint {
  readonly key: string;
  readonly index: number;
  readonly workload: PointWorkload;
  readonly elfSha256: string;
  /** What this point sets on top of the spec's base: its axis values or explicit overrides. */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly config: Config;
  readonly maxInstret: number;
  readonly version: string;
}

export interface ExpandOptions {
  /** Directory relative ELF paths are resolved against (the spec file's; default: cwd). */
  readonly baseDir?: string;
  /** morphsim version in the keys (default: this package's). */
  readonly version?: string;
}

/** Canonical JSON (object keys sorted) so a key does not depend on insertion order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The identity of a point: what determines its results bit for bit (DESIGN.md invariant 3). */
export function pointKey(p: { elfSha256: string; args: readonly string[]; platform?: string; config: Config; maxInstret: number; version: string }): string {
  const id = canonical({ elf: p.elfSha256, args: p.args, platform: p.platform ?? null, config: p.config, maxInstret: p.maxInstret, version: p.version });
  return createHash('sha256').update(id).digest('hex').slice(0, 32);
}

/** Every combination of the axes, first axis outermost. */
function grid(axes: Readonly<Record<string, readonly ParamValue[]>>): Record<string, ParamValue>[] {
  let out: Record<string, ParamValue>[] = [{}];
  for (const [name, values] of Object.entries(axes)) out = out.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  return out;
}

export function expandSpec(raw: SweepSpec | SweepSpecInput | unknown, opts: ExpandOptions = {}): SweepPoint[] {
  const spec = parseSweepSpec(raw);
  const version = opts.version ?? VERSION;
  const baseDir = opts.baseDir ?? process.cwd();
  const base = { ...spec.base, ...(spec.mode ? { 'run.mode': spec.mode } : {}) };
  const overrides = [...(Object.keys(spec.axes).length ? grid(spec.axes) : []), ...spec.points];
  const points: SweepPoint[] = [];
  const seen = new Set<string>();
  for (const w of spec.workloads) {
    const ws = typeof w === 'string' ? { elf: w, args: [] as string[] } : w;
    const elf = resolve(baseDir, ws.elf);
    let bytes: Uint8Array;
    try {
      bytes = readInput(elf, '');
    } catch (e) {
      throw new UsageError(`sweep workload ${ws.elf}: ${(e as Error).message}`);
    }
    const elfSha256 = createHash('sha256').update(bytes).digest('hex');
    const name = ('name' in ws && ws.name) || [basename(ws.elf).replace(/\.elf$/, ''), ...ws.args].join(' ');
    const workload: PointWorkload = { name, elf, args: ws.args, ...('platform' in ws && ws.platform ? { platform: ws.platform } : {}) };
    for (const o of overrides) {
      const config = paramRegistry.resolve(base, o);
      const key = pointKey({ elfSha256, args: ws.args, platform: workload.platform, config, maxInstret: spec.maxInstret, version });
      if (seen.has(key)) continue;
      seen.add(key);
      points.push({ key, index: points.length, workload, elfSha256, params: o, config, maxInstret: spec.maxInstret, version });
    }
  }
  return points;
}

export interface SweepProgress {
  readonly total: number;
  /** Points finished (ok or failed), resumed ones included. */
  readonly done: number;
  readonly failed: number;
  /** Points found in the results file and not run again. */
  readonly resumed: number;
  /** The record that just finished (absent for the first event, sent before any point runs). */
  readonly record?: PointRecord;
}

export interface RunPointsOptions {
  /** Worker threads (default: the number of cores). */
  readonly jobs?: number;
  /** Append each record here as it finishes. */
  readonly outFile?: string;
  /** Skip points whose key is already in `outFile` (which must then exist or be created). */
  readonly resume?: boolean;
  readonly onProgress?: (p: SweepProgress) => void;
  /** Limits of each worker thread (e.g. `maxOldGenerationSizeMb`): a point that exceeds them
   * kills its worker and is recorded as a crash. */
  readonly resourceLimits?: ResourceLimits;
  /** Abandon the sweep: points not finished yet are dropped (a resumed sweep runs them). */
  readonly signal?: AbortSignal;
}

/**
 * The worker entry: next to this module (the source tree's bootstrap, or a bundled worker
 * emitted beside a bundle), else the source tree's bootstrap seen from a bundle in dist/.
 */
function workerEntry(): string {
  const candidates = [new URL('./sweep-worker.mjs', import.meta.url), new URL('../reports/sweep-worker.mjs', import.meta.url)];
  return (candidates.find((u) => existsSync(fileURLToPath(u))) ?? candidates[0]!).href;
}

export async function runPoints(points: readonly SweepPoint[], opts: RunPointsOptions = {}): Promise<PointRecord[]> {
  const release = opts.outFile ? lockResults(opts.outFile) : undefined;
  try {
    return await runPointsInto(points, opts);
  } finally {
    release?.();
  }
}

async function runPointsInto(points: readonly SweepPoint[], opts: RunPointsOptions): Promise<PointRecord[]> {
  const jobs = opts.jobs ?? availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`jobs must be a positive integer, got ${jobs}`);
  const byKey = new Map<string, PointRecord>();
  const wanted = new Set(points.map((p) => p.key));
  if (opts.resume && opts.outFile) {
    const prior = existsSync(opts.outFile) ? readResults(opts.outFile).records : [];
    // A crash says nothing about the point (a worker may die of the host's trouble): run it
    // again, and drop its old line so the file keeps one line per point.
    const crashed = prior.filter((r) => r.error?.kind === 'crash');
    if (crashed.length) writeFileAtomic(opts.outFile, prior.filter((r) => r.error?.kind !== 'crash').map((r) => JSON.stringify(r) + '\n').join(''));
    for (const r of prior) if (wanted.has(r.key) && !byKey.has(r.key) && r.error?.kind !== 'crash') byKey.set(r.key, r);
  }
  const writer = opts.outFile ? new ResultsWriter(opts.outFile, opts.resume === true) : undefined;
  const resumed = byKey.size;
  let failed = [...byKey.values()].filter((r) => r.status === 'failed').length;
  const total = points.length;
  opts.onProgress?.({ total, done: resumed, failed, resumed });
  const todo = points.filter((p) => !byKey.has(p.key));
  const pool = todo.length === 0 ? undefined : new Piscina({
    filename: workerEntry(), minThreads: Math.min(jobs, todo.length), maxThreads: Math.min(jobs, todo.length),
    idleTimeout: 1000, concurrentTasksPerWorker: 1, resourceLimits: opts.resourceLimits,
  });
  // A worker that dies outside a point (while starting: a broken install, no memory) is
  // reported by the pool, not by a task, and a new one would die the same way: the points not
  // run yet are recorded as crashed with that reason (a resumed sweep runs them again).
  let poolError: Error | undefined;
  pool?.on('error', (e: Error) => {
    poolError ??= e;
    void pool.destroy();
  });
  // One listener for the whole sweep: destroying the pool rejects queued and running tasks.
  const onAbort = (): void => { void pool?.destroy(); };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(todo.map(async (p) => {
      let rec: PointRecord;
      try {
        if (opts.signal?.aborted) return;
        rec = (await pool!.run(p)) as PointRecord;
      } catch (e) {
        if (opts.signal?.aborted) return;
        const why = poolError ?? (e as Error);
        rec = crashedPoint(p, `worker died: ${why?.message ?? String(why)}`);
      }
      byKey.set(p.key, rec);
      writer?.append(rec);
      if (rec.status === 'failed') failed++;
      opts.onProgress?.({ total, done: byKey.size, failed, resumed, record: rec });
    }));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    writer?.close();
    if (!opts.signal?.aborted && !poolError) await pool?.destroy();
  }
  return points.flatMap((p) => byKey.get(p.key) ?? []);
}

export interface SweepOptions extends ExpandOptions, RunPointsOptions {}

/** Expand and run a sweep: the library's one-call entry point. */
export async function sweep(spec: SweepSpec | SweepSpecInput | unknown, options: SweepOptions = {}): Promise<{ points: SweepPoint[]; records: PointRecord[] }> {
  const points = expandSpec(spec, options);
  const records = await runPoints(points, options);
  return { points, records };
}

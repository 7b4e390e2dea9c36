/**
 * Sweep results as JSON Lines (schema `morphsim.point/1`): one line per point, written whole
 * with a single append, so a sweep killed at any moment loses at most the line being written.
 * A reader takes every complete line and ignores an unterminated last one; the writer cuts
 * such a tail off before appending, so a resumed sweep continues a clean file.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { UsageError } from '../core/errors.ts';
import { fsReason, readInput } from '../core/fsutil.ts';
import type { Config, ParamValue } from '../core/params.ts';
import type { RunSummary } from './summary.ts';

export const POINT_SCHEMA = 'morphsim.point/1';

/** Why a point failed. `exit`: the guest exited non-zero; `limit`: it ran past maxInstret;
 * `error`: bad input for this point (an ELF that changed, a bad platform); `internal`: the
 * simulator failed; `crash`: the worker running it died. */
export type FailureKind = 'exit' | 'limit' | 'error' | 'internal' | 'crash';

export interface PointWorkload {
  /** Label in reports and CSV. */
  readonly name: string;
  /** Absolute path of the ELF. */
  readonly elf: string;
  readonly args: readonly string[];
  readonly platform?: 'user' | 'machine';
}

/** One line of a results file. */
export interface PointRecord {
  readonly schema: typeof POINT_SCHEMA;
  /** Stable identity of the point: sha256 of ELF bytes, arguments, resolved configuration,
   * instruction limit and morphsim version (`pointKey`). Resume and merge go by it. */
  readonly key: string;
  /** Position in the spec's expansion order (workloads outer, then axes, then explicit points). */
  readonly index: number;
  readonly workload: PointWorkload;
  /** The values this point sets on top of the spec's base (axes and explicit overrides). */
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly status: 'ok' | 'failed';
  readonly error: { readonly kind: FailureKind; readonly message: string } | null;
  /** sha256 of the guest's stdout (UART on machine programs): equal across points of a
   * workload unless the guest's behaviour changed, which is always a bug or a time-dependent program. */
  readonly outputSha256: string | null;
  /** The run summary (schema `morphsim.run/1`: statistics, breakdown, resolved
   * configuration, provenance), also for points that failed after running (exit, limit). */
  readonly summary: RunSummary | null;
  /** The resolved configuration (also in `summary.config`, repeated for failed points). */
  readonly config: Config;
}

export interface ReadResults {
  readonly records: PointRecord[];
  /** Bytes of an unterminated last line (a write interrupted by a kill), ignored. */
  readonly partialTailBytes: number;
}

/** Read a results file. A malformed complete line is an error naming its line number. */
export function readResults(path: string): ReadResults {
  return parseResults(readInput(path, 'results').toString('utf8'), path);
}

export function parseResults(text: string, source: string): ReadResults {
  const end = text.lastIndexOf('\n') + 1;
  const records: PointRecord[] = [];
  const lines = text.slice(0, end).split('\n');
  lines.pop();
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new UsageError(`${source}:${i + 1}: not a JSON line`);
    }
    const r = rec as Partial<PointRecord> | null;
    if (r === null || typeof r !== 'object' || r.schema !== POINT_SCHEMA || typeof r.key !== 'string')
      throw new UsageError(`${source}:${i + 1}: not a ${POINT_SCHEMA} record`);
    records.push(r as PointRecord);
  });
  return { records, partialTailBytes: Buffer.byteLength(text.slice(end)) };
}

/**
 * The records of several results files (a sweep's shards, or one file read twice), each key
 * once: the first file that has it wins. No record at all is an error.
 */
export function readResultsFiles(paths: readonly string[]): PointRecord[] {
  const byKey = new Map<string, PointRecord>();
  for (const p of paths) for (const r of readResults(p).records) if (!byKey.has(r.key)) byKey.set(r.key, r);
  if (byKey.size === 0) throw new UsageError(`no results in ${paths.join(', ')}`);
  return [...byKey.values()];
}

/** Is a process of this host running? (EPERM: it is, but not ours.) */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Hold `<path>.lock` while a sweep writes `path`: two sweeps appending to one file would run
 * points twice. A lock left by a process of this host that no longer runs (a killed sweep) is
 * taken over. Returns the release function.
 */
export function lockResults(path: string): () => void {
  const lock = `${path}.lock`;
  const me = `${process.pid} ${hostname()}`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, me + '\n', { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw new UsageError(`cannot lock ${path}: ${fsReason(e)}`);
      const [pid, host] = readFileSync(lock, 'utf8').trim().split(' ');
      if (host === hostname() && !running(Number(pid))) {
        unlinkSync(lock);
        continue;
      }
      throw new UsageError(`${path} is being written by process ${pid} on ${host}; if that sweep is not running, remove ${lock}`);
    }
  }
  return () => {
    try {
      if (readFileSync(lock, 'utf8').trim() === me) unlinkSync(lock);
    } catch { /* already gone */ }
  };
}

/** Appends records to a results file, one whole line per write. */
export class ResultsWriter {
  private readonly fd: number;

  /**
   * `resume`: keep the existing lines (an unterminated tail is cut off); otherwise the file
   * must not exist yet, so finished results are never overwritten by accident.
   */
  constructor(readonly path: string, resume: boolean) {
    if (!resume && existsSync(path)) throw new UsageError(`${path} exists: resume the sweep (--resume) or choose another output`);
    if (resume && existsSync(path)) {
      // Cut off a line a kill interrupted, so the next append starts a line of its own.
      const fd = openOrFail(path, 'r+');
      const text = readFileSync(fd, 'utf8');
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
      closeSync(fd);
    }
    this.fd = openOrFail(path, resume ? 'a' : 'wx');
  }

  append(rec: PointRecord): void {
    const buf = Buffer.from(JSON.stringify(rec) + '\n');
    for (let off = 0; off < buf.length;) off += writeSync(this.fd, buf, off);
  }

  close(): void { closeSync(this.fd); }
}

function openOrFail(path: string, flags = 'wx'): number {
  try {
    return openSync(path, flags);
  } catch (e) {
    throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : fsReason(e)}`);
  }
}

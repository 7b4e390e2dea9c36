/**
 * Regression files: each divergence the fuzzer finds is written, shrunk, as
 * `test/regressions/<name>.json` — the campaign seed and program index it came from, the
 * configuration that diverged, what differed, and the minimized program as assembly source
 * (self-contained: it does not depend on the generator staying the same). `npm test`
 * (test/fuzz.test.ts) runs every file under the reference and the whole matrix forever after.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fsutil.ts';
import type { GenPlatform } from './generate.ts';
import { buildMatrix, diffSubject, subjectOf, type DiffResult, type EngineConfig, type Overrides } from './diff.ts';

export const REGRESSION_FORMAT = 'morphsim.regression/1';

export interface RegressionFile {
  readonly format: typeof REGRESSION_FORMAT;
  /** Campaign seed and program index (`npm run fuzz -- --seed S --start I --count 1`). */
  readonly seed: number;
  readonly index: number;
  readonly storm: boolean;
  /** Absent in files from before user-platform programs: machine. */
  readonly platform?: GenPlatform;
  /** Overrides every run shares, the reference's included (the storm's timer speed). */
  readonly shared: Overrides;
  readonly config: EngineConfig;
  /** The first line of what differed when it was found. */
  readonly found: string;
  readonly source: readonly string[];
}

export function regressionName(r: Pick<RegressionFile, 'seed' | 'index'>): string {
  return `fuzz-s${r.seed}-i${r.index}.json`;
}

export function writeRegression(dir: string, r: RegressionFile): string {
  const path = join(dir, regressionName(r));
  writeFileAtomic(path, JSON.stringify(r, null, 1) + '\n');
  return path;
}

export function loadRegressions(dir: string): { name: string; file: RegressionFile }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const file = JSON.parse(readFileSync(join(dir, name), 'utf8')) as RegressionFile;
    if (file.format !== REGRESSION_FORMAT) throw new Error(`${name}: not a ${REGRESSION_FORMAT} file`);
    return { name, file };
  });
}

/** Run a regression under its own configuration and the whole matrix. */
export function checkRegression(r: RegressionFile, matrix: readonly EngineConfig[] = buildMatrix()): DiffResult {
  const configs = [r.config, ...matrix.filter((c) => c.name !== r.config.name)];
  return diffSubject(subjectOf(r.source, r.storm, r.platform), configs, r.shared);
}

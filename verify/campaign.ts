/**
 * A fuzz campaign: programs `start .. start+count-1` of seed `seed`, each generated,
 * diffed against the reference under the matrix (or a rotating sample of it), and every
 * divergence shrunk and written as a regression file. Program i depends only on (seed, i),
 * so campaigns split and resume by index.
 */
import { programSeed } from './rng.ts';
import { generateProgram, programSource } from './generate.ts';
import { buildMatrix, diffSubject, programOverrides, subjectOfProgram, type EngineConfig } from './diff.ts';
import { shrink } from './shrink.ts';
import { REGRESSION_FORMAT, writeRegression, type RegressionFile } from './regressions.ts';

export interface CampaignOptions {
  readonly seed: number;
  readonly start: number;
  readonly count: number;
  /** Configurations per program (rotating through the matrix); 0 or undefined: all. */
  readonly sample?: number;
  /** Every n-th program is an interrupt storm (0: none). */
  readonly stormEvery: number;
  /** Every n-th program (offset by 2) runs on the user platform (0: none; default 5). */
  readonly userEvery?: number;
  /** Where regression files go; undefined: do not write them. */
  readonly regressionDir?: string;
  readonly shrink: boolean;
  readonly matrix?: readonly EngineConfig[];
  /** Called after each program. */
  readonly onProgram?: (done: number, divergences: number) => void;
  readonly onDivergence?: (msg: string) => void;
}

export interface CampaignResult {
  readonly programs: number;
  readonly divergences: number;
  /** Programs the reference could not finish (generator bugs). */
  readonly invalid: number;
  readonly instructions: number;
  /** Regression files written. */
  readonly written: readonly string[];
}

export function isStorm(index: number, stormEvery: number): boolean {
  return stormEvery > 0 && index % stormEvery === stormEvery - 1;
}

/** Program `index` is a Linux process rather than a bare-metal program (never a storm). */
export function isUser(index: number, userEvery: number, stormEvery: number): boolean {
  return userEvery > 0 && index % userEvery === 2 % userEvery && !isStorm(index, stormEvery);
}

/** The configurations program `index` runs under. */
export function configsFor(matrix: readonly EngineConfig[], index: number, sample: number | undefined): EngineConfig[] {
  if (!sample || sample >= matrix.length) return [...matrix];
  return Array.from({ length: sample }, (_, j) => matrix[(index * sample + j) % matrix.length]!);
}

export function runCampaign(o: CampaignOptions): CampaignResult {
  const matrix = o.matrix ?? buildMatrix();
  let divergences = 0;
  let invalid = 0;
  let instructions = 0;
  const written: string[] = [];
  for (let k = 0; k < o.count; k++) {
    const index = o.start + k;
    const seed = programSeed(o.seed, index);
    const user = isUser(index, o.userEvery ?? 5, o.stormEvery);
    const program = generateProgram(seed, { storm: !user && isStorm(index, o.stormEvery), platform: user ? 'user' : 'machine' });
    const shared = programOverrides(program);
    const r = diffSubject(subjectOfProgram(program), configsFor(matrix, index, o.sample), shared, true);
    instructions += r.reference.instret;
    if (r.invalid !== undefined) {
      invalid++;
      o.onDivergence?.(`program ${index} (seed ${o.seed}) is not a valid test: ${r.invalid}`);
    }
    for (const d of r.divergences) {
      divergences++;
      const base = `program ${index} (seed ${o.seed}) diverges under ${d.config.name}: ${d.what.split('\n')[0]}`;
      let small = program;
      let note = '';
      if (o.shrink) {
        const s = shrink(program, d.config);
        small = s.program;
        note = `; shrunk in ${s.tries} tries to ${programSource(small).length} lines`;
      }
      if (o.regressionDir) {
        const file: RegressionFile = {
          format: REGRESSION_FORMAT, seed: o.seed, index, storm: small.storm, platform: small.platform, shared: programOverrides(small),
          config: d.config, found: d.what.split('\n')[0]!, source: programSource(small),
        };
        const path = writeRegression(o.regressionDir, file);
        written.push(path);
        note += `; written to ${path}`;
      }
      o.onDivergence?.(base + note);
    }
    o.onProgram?.(k + 1, divergences);
  }
  return { programs: o.count, divergences, invalid, instructions, written };
}

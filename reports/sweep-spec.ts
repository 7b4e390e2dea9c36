/**
 * The sweep specification: which programs to run, a base configuration, the axes of the
 * parameter grid and explicit extra points. Its shape is checked with a zod schema, and every
 * parameter name and value against the parameter registry, so a typo fails up front with one
 * line naming where it is (`axes."vliw.widht": unknown parameter … (did you mean …)`), not
 * after an hour of simulation.
 *
 *   {"workloads": ["a.elf", {"elf": "b.elf", "args": ["10"]}], "mode": "optimize",
 *    "base": {"tier.threshold": 20}, "axes": {"vliw.width": [2, 4, 8]}, "points": [{"vliw.width": 16}]}
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { parseJsonInput } from '../core/json.ts';
import { readInput } from '../core/fsutil.ts';
import type { ParamValue } from '../core/params.ts';
import { paramRegistry } from '../morph/config.ts';
import { runParams } from '../morph/params.ts';

/** The largest point timeout, in seconds (about 23 days; timers take at most 2^31-1 ms). */
export const MAX_POINT_TIMEOUT = 2_000_000;

const scalar = z.union([z.number(), z.boolean(), z.string()]);
const paramMap = z.record(z.string(), scalar);

const workloadSchema = z.union([
  z.string().min(1).describe('path of a static RV32 ELF, relative to the spec file'),
  z.strictObject({
    elf: z.string().min(1).describe('path of a static RV32 ELF, relative to the spec file (library: to baseDir)'),
    args: z.array(z.string()).default([]).describe('guest program arguments'),
    name: z.string().min(1).optional().describe('label in results and reports (default: the ELF base name and the arguments)'),
    platform: z.enum(['user', 'machine']).optional().describe('guest platform (default: from the ELF)'),
  }),
]);

// `mode` is sugar for base["run.mode"]; its choices come from the registry, not a second list.
const modes = runParams.specs.mode.choices as unknown as readonly [string, ...string[]];

const specShape = z.strictObject({
  name: z.string().optional().describe('title of the sweep report'),
  workloads: z.array(workloadSchema).min(1, 'needs at least one workload').describe('the programs; each runs at every point'),
  mode: z.enum(modes).optional().describe('execution mode, short for base["run.mode"]'),
  base: paramMap.default({}).describe('parameter values shared by every point ("vliw.width": 4); names and ranges: docs/parameters.md'),
  axes: z.record(z.string(), z.array(scalar).min(1, 'an axis needs at least one value')).default({})
    .describe('parameter → values; the grid is their cartesian product, first axis outermost'),
  points: z.array(paramMap).default([]).describe('explicit points (overrides on top of base), run in addition to the grid'),
  maxInstret: z.number().int().positive().default(2_000_000_000)
    .describe('stop a runaway guest after this many retired instructions (the point fails with kind "limit")'),
  pointTimeout: z.number().positive().max(MAX_POINT_TIMEOUT).optional()
    .describe('wall-clock seconds a point may run before its worker is stopped (the point fails with kind "timeout"); default: no limit; `--point-timeout` overrides it'),
});

export const sweepSpecSchema = specShape.superRefine((spec, ctx) => {
  const check = (path: (string | number)[], name: string, value: unknown): void => {
    try {
      paramRegistry.check(name, value);
    } catch (e) {
      const msg = (e as Error).message;
      ctx.addIssue({ code: 'custom', path, message: msg.startsWith(`parameter ${name}: `) ? msg.slice(`parameter ${name}: `.length) : msg });
    }
  };
  for (const [k, v] of Object.entries(spec.base)) check(['base', k], k, v);
  for (const [k, vs] of Object.entries(spec.axes)) {
    vs.forEach((v, i) => check(['axes', k, i], k, v));
    if (new Set(vs.map((v) => JSON.stringify(v))).size !== vs.length) ctx.addIssue({ code: 'custom', path: ['axes', k], message: 'repeats a value' });
  }
  spec.points.forEach((p, i) => { for (const [k, v] of Object.entries(p)) check(['points', i, k], k, v); });
  if (spec.mode !== undefined && spec.base['run.mode'] !== undefined && spec.base['run.mode'] !== spec.mode)
    ctx.addIssue({ code: 'custom', path: ['mode'], message: `contradicts base."run.mode" (${String(spec.base['run.mode'])})` });
  if (Object.keys(spec.axes).length === 0 && spec.points.length === 0)
    ctx.addIssue({ code: 'custom', path: ['axes'], message: 'the sweep has no axes and no points: give at least one' });
});

export type SweepSpecInput = z.input<typeof sweepSpecSchema>;
export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type SpecWorkload = SweepSpec['workloads'][number];
export type ParamOverrides = Readonly<Record<string, ParamValue>>;

/** `a.b."c.d"[2]`: where in the spec an issue is, as a reader would point at it. */
function pathText(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else {
      const k = String(p);
      const part = /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k);
      s += s ? `.${part}` : part;
    }
  }
  return s || '(top level)';
}

/** Validate a spec object; the first problem becomes a one-line UsageError (exit 2). */
export function parseSweepSpec(raw: unknown, source = 'sweep spec'): SweepSpec {
  const r = sweepSpecSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
  throw new UsageError(`${source}: ${pathText(issue.path)}: ${issue.message}${more}`);
}

/** Read and validate a spec file. */
export function readSweepSpec(path: string): SweepSpec {
  const text = readInput(path, 'sweep spec').toString('utf8');
  return parseSweepSpec(parseJsonInput(text, `sweep spec ${path}`), path);
}

/** The spec with every ELF path absolute, to be kept next to results and run from anywhere
 * (point keys do not depend on paths, so they are unchanged). */
export function absoluteElfPaths(spec: SweepSpec, baseDir: string): SweepSpec {
  return { ...spec, workloads: spec.workloads.map((w) => (typeof w === 'string' ? resolve(baseDir, w) : { ...w, elf: resolve(baseDir, w.elf) })) };
}

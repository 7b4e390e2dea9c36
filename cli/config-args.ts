/** Turning --config FILE and --set key=value into a resolved configuration. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import { parseJsonInput } from '../core/json.ts';
import type { Config, ParamRegistry } from '../core/params.ts';
import { fsReason } from './elf-file.ts';

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${path}: ${fsReason(e)}`);
  }
  const obj = parseJsonInput(text, `config file ${path}`);
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw new UsageError(`config file ${path} must hold a JSON object of "name": value pairs`);
  // Accept both flat {"vliw.width": 4} and nested {"vliw": {"width": 4}} forms.
  const flat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) flat[`${k}.${k2}`] = v2;
    } else flat[k] = v;
  }
  return flat;
}

export function parseSets(sets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects key=value, got '${s}'`);
    out[s.slice(0, eq).trim()] = s.slice(eq + 1).trim();
  }
  return out;
}

/** Defaults, then the config file, then --set (later wins), then flag shorthands. */
export function resolveConfig(
  registry: ParamRegistry,
  opts: { configFile?: string; sets?: readonly string[]; shorthands?: Record<string, unknown> },
): Config {
  const layers: Record<string, unknown>[] = [];
  if (opts.configFile) layers.push(readConfigFile(opts.configFile));
  if (opts.sets?.length) layers.push(parseSets(opts.sets));
  if (opts.shorthands) layers.push(Object.fromEntries(Object.entries(opts.shorthands).filter(([, v]) => v !== undefined)));
  return registry.resolve(...layers);
}

/** `morphsim config`: the parameter registry, for people (table) and scripts (--json). */
import { paramRegistry } from '../morph/config.ts';
import type { ParamSpec } from '../core/params.ts';
import { resolveConfig } from './config-args.ts';

function rangeOf(s: ParamSpec): string {
  switch (s.type) {
    case 'int':
    case 'float': return `[${s.min}, ${s.max}]`;
    case 'bool': return 'true|false';
    case 'enum': return s.choices.join('|');
  }
}

export function configCommand(opts: { json?: boolean; config?: string; set?: string[] }): void {
  const cfg = resolveConfig(paramRegistry, { configFile: opts.config, sets: opts.set });
  const rows = paramRegistry.entries.map(({ name, spec }) => ({
    name,
    type: spec.type,
    default: spec.default,
    value: cfg[name],
    unit: spec.unit,
    range: spec.type === 'int' || spec.type === 'float' ? { min: spec.min, max: spec.max } : spec.type === 'enum' ? { choices: spec.choices } : undefined,
    doc: spec.doc,
    rationale: spec.rationale,
  }));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ schema: 'morphsim.config/1', params: rows }, null, 2) + '\n');
    return;
  }
  const w = Math.max(...rows.map((r) => r.name.length));
  let group = '';
  const out: string[] = [];
  for (const { name, spec } of paramRegistry.entries) {
    const g = name.slice(0, name.indexOf('.'));
    if (g !== group) { if (group) out.push(''); out.push(`[${g}]`); group = g; }
    const v = cfg[name];
    const val = v === spec.default ? String(v) : `${String(v)} (default ${String(spec.default)})`;
    out.push(`  ${name.padEnd(w)}  ${val} ${spec.unit}`.trimEnd());
    out.push(`  ${''.padEnd(w)}  ${rangeOf(spec)} — ${spec.doc}`);
    if (spec.rationale) out.push(`  ${''.padEnd(w)}  default: ${spec.rationale}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

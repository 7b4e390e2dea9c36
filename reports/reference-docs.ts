/**
 * The reference documents generated from the registries, so they cannot drift from the code:
 * docs/parameters.md (parameter registry), docs/statistics.md (statistics registry) and
 * docs/sweep-spec.schema.json (the sweep spec's zod schema as JSON Schema).
 *
 *   npm run docs            rewrite them
 *   npm run docs -- --check exit 1 when one is stale (test/docs.test.ts does the same)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { writeFileAtomic } from '../core/fsutil.ts';
import type { ParamSpec } from '../core/params.ts';
import { paramRegistry } from '../morph/config.ts';
import { statRegistry } from '../morph/stats-registry.ts';
import { sweepSpecSchema } from './sweep-spec.ts';

const GENERATED = (what: string) =>
  `<!-- Generated from ${what} by \`npm run docs\`; edit the declarations, not this file. -->\n`;

/** Markdown table cell: pipes escaped, no line breaks. */
const cell = (s: unknown): string => String(s).replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function range(s: ParamSpec): string {
  switch (s.type) {
    case 'int':
    case 'float': return `${s.min} … ${s.max}`;
    case 'bool': return 'true, false';
    case 'enum': return s.choices.join(', ');
  }
}

/**
 * A reference page: intro, then one table per group (the prefix of the names), rows in
 * registry order. `row` gives the cells after the name.
 */
function reference<T extends { name: string }>(source: string, title: string, intro: readonly string[], head: readonly string[],
  entries: readonly T[], row: (e: T) => unknown[]): string {
  const out = [GENERATED(source), `# ${title}`, '', ...intro, ''];
  let group = '';
  for (const e of entries) {
    const g = e.name.slice(0, e.name.indexOf('.'));
    if (g !== group) {
      if (group) out.push('');
      out.push(`## ${g}`, '', `| ${head.join(' | ')} |`, `|${' --- |'.repeat(head.length)}`);
      group = g;
    }
    out.push(`| \`${e.name}\` | ${row(e).map(cell).join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}

export function parametersMarkdown(): string {
  return reference('the parameter registry (morph/config.ts)', 'Parameters', [
    'Every parameter of the simulator, as `morphsim config` prints it. Set them with `--set name=value`,',
    '`--config FILE` (JSON, flat or nested), in a sweep spec\'s `base`, `axes` and `points`, or with',
    '`paramRegistry.resolve({...})` from the library. Every run records its fully resolved configuration.',
  ], ['parameter', 'type', 'default', 'unit', 'range', 'description'], paramRegistry.entries, ({ spec }) =>
    [spec.type, String(spec.default), spec.unit, range(spec), spec.rationale ? `${spec.doc}. *Default:* ${spec.rationale}` : spec.doc]);
}

export function statisticsMarkdown(): string {
  return reference('the statistics registry (morph/stats-registry.ts)', 'Statistics', [
    'Every statistic a run reports (`stats` in the run summary, `stat.*` columns of the CSV export,',
    'the metrics of the sweep report). Counters are counted by the simulator; formulas are computed',
    'from the counters. The `cycles.*` categories sum exactly to `cycles.total`.',
  ], ['statistic', 'kind', 'unit', 'description'], statRegistry.entries, ({ def }) => [def.kind, def.unit, def.doc]);
}

export function sweepSpecJsonSchema(): string {
  const schema = z.toJSONSchema(sweepSpecSchema, { io: 'input' }) as Record<string, unknown>;
  return JSON.stringify({ ...schema, title: 'morphsim sweep spec', description: 'Checked further against the parameter registry: names, types and ranges of every parameter (docs/parameters.md).' }, null, 2) + '\n';
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Each generated document: its path (from the repository root) and content. */
export function referenceDocs(): { path: string; text: string }[] {
  return [
    { path: 'docs/parameters.md', text: parametersMarkdown() },
    { path: 'docs/statistics.md', text: statisticsMarkdown() },
    { path: 'docs/sweep-spec.schema.json', text: sweepSpecJsonSchema() },
  ];
}

/** The documents whose file differs from what the registries generate. */
export function staleDocs(root = ROOT): string[] {
  return referenceDocs().filter((d) => {
    try {
      return readFileSync(join(root, d.path), 'utf8') !== d.text;
    } catch {
      return true;
    }
  }).map((d) => d.path);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--check')) {
    const stale = staleDocs();
    if (stale.length) {
      process.stderr.write(`stale: ${stale.join(', ')}; run npm run docs\n`);
      process.exitCode = 1;
    }
  } else {
    for (const d of referenceDocs()) writeFileAtomic(join(ROOT, d.path), d.text);
  }
}

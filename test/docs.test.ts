// The reference documents are generated from the registries (reports/reference-docs.ts);
// a declaration changed without `npm run docs` fails here, naming the stale file.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paramRegistry } from '../morph/config.ts';
import { statRegistry } from '../morph/stats-registry.ts';
import { parametersMarkdown, referenceDocs, staleDocs, statisticsMarkdown } from '../reports/reference-docs.ts';
import { ROOT } from './helpers/run-cli.ts';

describe('generated reference docs', () => {
  it('are up to date (run `npm run docs` after changing a parameter or statistic)', () => {
    expect(staleDocs()).toEqual([]);
  });

  it('the check notices an edited or missing document', () => {
    const root = mkdtempSync(join(tmpdir(), 'morphsim-docs-'));
    try {
      cpSync(join(ROOT, 'docs'), join(root, 'docs'), { recursive: true });
      expect(staleDocs(root)).toEqual([]);
      writeFileSync(join(root, 'docs/statistics.md'), statisticsMarkdown().replace('cycles.total', 'cycles.totl'));
      rmSync(join(root, 'docs/sweep-spec.schema.json'));
      expect(staleDocs(root)).toEqual(['docs/statistics.md', 'docs/sweep-spec.schema.json']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('list every parameter and statistic of the registries, with its unit', () => {
    const params = parametersMarkdown();
    for (const e of paramRegistry.entries) expect(params).toContain(`| \`${e.name}\` | ${e.spec.type} |`);
    const stats = statisticsMarkdown();
    for (const e of statRegistry.entries) expect(stats).toContain(`| \`${e.name}\` | ${e.def.kind} | ${e.def.unit} |`);
    expect(referenceDocs().map((d) => d.path)).toEqual(['docs/parameters.md', 'docs/statistics.md', 'docs/sweep-spec.schema.json']);
  });
});

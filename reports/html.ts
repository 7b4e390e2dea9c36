/**
 * Pieces of the self-contained HTML reports: escaping, data embedded as JSON, chart.js
 * inlined from its npm package (a report opens offline, mailed or archived), a shared page
 * frame and style, and labels read from the registries (never a second list of names).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { paramRegistry } from '../morph/config.ts';
import { statRegistry } from '../morph/stats-registry.ts';

/** Text for HTML element content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A JSON data island. `<` is written as \u003c so no string inside (a workload named
 * `</script><script>…`) can end the element; U+2028/9 likewise, for old parsers.
 */
export function jsonScript(id: string, data: unknown): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `<script type="application/json" id="${esc(id)}">${json}</script>`;
}

let chartJs: string | undefined;
/** chart.js's UMD build, without its source-map comment (a reference to a file that will not travel). */
export function chartJsSource(): string {
  if (chartJs === undefined) {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('chart.js'));
    chartJs = readFileSync(join(dir, 'chart.umd.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
    if (/<\/script/i.test(chartJs)) throw new Error('chart.umd.js contains </script>; it cannot be inlined');
  }
  return chartJs;
}

/** Label, unit and doc of a statistic or parameter, from its registry. */
export interface Meta { readonly unit: string; readonly doc: string }

export function statMeta(): Record<string, Meta> {
  return Object.fromEntries(statRegistry.entries.map((e) => [e.name, { unit: e.def.unit, doc: e.def.doc }]));
}

export function paramMeta(): Record<string, Meta> {
  return Object.fromEntries(paramRegistry.entries.map((e) => [e.name, { unit: e.spec.unit, doc: e.spec.doc }]));
}

/** A number for a table cell: integers in full, others to 4 significant digits. */
export function fmt(v: unknown): string {
  if (typeof v !== 'number') return v === null || v === undefined ? '' : String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toFixed(1) : Number(v.toPrecision(4)).toString();
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:12px;margin:.5em 0}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:right;vertical-align:top}
th{background:#f3f3f3;position:sticky;top:0}td.l,th.l{text-align:left}
.scroll{overflow:auto;max-height:40em}.note{color:#666;font-size:12px}
.chart{position:relative;height:320px;margin:1em 0}
.sched td{font-family:ui-monospace,monospace;font-size:11px;text-align:left;white-space:nowrap}
.u-alu{background:#e3f0ff}.u-mem{background:#fff0d9}.u-mul{background:#f3e3ff}.u-br{background:#e2f7e2}
.failed{background:#fde8e8}tr.changed td{font-weight:600}th.sortable{cursor:pointer}
label{margin-right:1em}dl.kv{display:grid;grid-template-columns:max-content auto;gap:0 1em}dl.kv dt{font-weight:600}dl.kv dd{margin:0}
`;

/** A complete page: style, body, chart.js and the page's own script, nothing fetched. */
export function page(title: string, body: string, script: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>
${body}
<script>${chartJsSource()}</script>
<script>${script}</script>
</body></html>
`;
}

/** A table readable without JavaScript; `cls` per row (e.g. failed points). */
export function table(head: readonly { text: string; title?: string; left?: boolean }[], rows: readonly { cells: readonly string[]; cls?: string }[], attrs = ''): string {
  const th = head.map((h) => `<th${h.left ? ' class="l"' : ''}${h.title ? ` title="${esc(h.title)}"` : ''}>${esc(h.text)}</th>`).join('');
  const body = rows.map((r) => `<tr${r.cls ? ` class="${r.cls}"` : ''}>${r.cells.join('')}</tr>`).join('\n');
  return `<table ${attrs}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A cell of already escaped HTML (`raw`) or of text. */
export const td = (v: unknown, left = false): string => `<td${left ? ' class="l"' : ''}>${esc(fmt(v))}</td>`;

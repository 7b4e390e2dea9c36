/**
 * The sweep report: one self-contained HTML page over a results file. Any metric (every
 * statistic of the registry, plus the host's wall time) against any swept parameter, per
 * workload; speedup relative to a chosen baseline point; a heatmap over two parameters; and
 * the full results table, sortable. Tables and heatmaps are rendered here, so the page reads
 * without JavaScript; the script only adds charts, selections and sorting. Labels, units and
 * docs come from the registries, embedded with the data.
 */
import type { ParamValue } from '../core/params.ts';
import { statRegistry } from '../morph/stats-registry.ts';
import { esc, fmt, jsonScript, page, paramMeta, statMeta, table, td, type Meta } from './html.ts';
import { paramsText } from './point-label.ts';
import type { PointRecord } from './results.ts';

export const SWEEP_REPORT_SCHEMA = 'morphsim.sweepreport/1';

/** Host measurements of a run summary that are not simulator statistics. */
const HOST_METRICS: Record<string, Meta> = {
  wallSeconds: { unit: 's', doc: 'wall-clock time of the run on the host that ran it (not deterministic)' },
  mips: { unit: 'MIPS', doc: 'simulation speed: guest instructions per host second (not deterministic)' },
};
export const DEFAULT_METRIC = 'morph.ipc';

export function metricValue(r: PointRecord, metric: string): number | null {
  const s = r.summary;
  if (!s) return null;
  if (metric in HOST_METRICS) return (s as unknown as Record<string, number>)[metric] ?? null;
  return s.stats[metric] ?? null;
}

/** Parameters the points set, in order of first appearance. */
export function sweptParams(records: readonly PointRecord[]): string[] {
  const names: string[] = [];
  for (const r of records) for (const k of Object.keys(r.params)) if (!names.includes(k)) names.push(k);
  return names;
}

/** Distinct values of a parameter, numbers ascending, others in order of appearance. */
export function valuesOf(records: readonly PointRecord[], param: string): ParamValue[] {
  const vs: ParamValue[] = [];
  for (const r of records) {
    const v = r.params[param] ?? r.config[param];
    if (v !== undefined && !vs.includes(v)) vs.push(v);
  }
  return vs.every((v) => typeof v === 'number') ? (vs as number[]).sort((a, b) => a - b) : vs;
}

const workloadsOf = (records: readonly PointRecord[]): string[] => [...new Set(records.map((r) => r.workload.name))];

/** Mean of a metric over the ok points of a workload at (x, y), or null. */
function cell(records: readonly PointRecord[], w: string, xp: string, x: ParamValue, yp: string, y: ParamValue, metric: string): number | null {
  const vs = records
    .filter((r) => r.status === 'ok' && r.workload.name === w && (r.params[xp] ?? r.config[xp]) === x && (r.params[yp] ?? r.config[yp]) === y)
    .map((r) => metricValue(r, metric)).filter((v): v is number => v !== null);
  return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
}

/** Heatmaps of `metric` over two parameters, one table per workload (also re-rendered by the page script). */
export function heatmapHtml(records: readonly PointRecord[], xp: string, yp: string, metric: string): string {
  const xs = valuesOf(records, xp);
  const ys = valuesOf(records, yp);
  return workloadsOf(records).map((w) => {
    const grid = ys.map((y) => xs.map((x) => cell(records, w, xp, x, yp, y, metric)));
    const flat = grid.flat().filter((v): v is number => v !== null);
    const lo = Math.min(...flat);
    const hi = Math.max(...flat);
    const color = (v: number | null): string => {
      if (v === null) return '';
      const t = hi === lo ? 0.5 : (v - lo) / (hi - lo);
      return ` style="background:hsl(${Math.round(220 - 200 * t)},70%,${Math.round(88 - 25 * t)}%)"`;
    };
    const head = `<tr><th class="l">${esc(yp)} \\ ${esc(xp)}</th>${xs.map((x) => `<th>${esc(x)}</th>`).join('')}</tr>`;
    const body = ys.map((y, i) => `<tr><th>${esc(y)}</th>${grid[i]!.map((v) => `<td${color(v)}>${esc(fmt(v))}</td>`).join('')}</tr>`).join('');
    return `<h3>${esc(w)}</h3><table class="heatmap">${head}${body}</table>`;
  }).join('\n');
}

export interface SweepReportOptions {
  readonly title?: string;
  /** Date printed in the report (default: now); tests pass a fixed one. */
  readonly date?: Date;
}

export function sweepReportHtml(records: readonly PointRecord[], opts: SweepReportOptions = {}): string {
  const sorted = [...records].sort((a, b) => a.index - b.index || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const params = sweptParams(sorted);
  const stats = statMeta();
  const pMeta = paramMeta();
  const statNames = statRegistry.entries.map((e) => e.name);
  const metrics = [...statNames, ...Object.keys(HOST_METRICS)];
  const failed = sorted.filter((r) => r.status === 'failed').length;
  const versions = [...new Set(sorted.map((r) => r.summary?.provenance.version).filter((v) => v !== undefined))];
  const title = opts.title ?? 'morphsim sweep';
  const date = (opts.date ?? new Date()).toISOString();
  const workloads = workloadsOf(sorted);

  const option = (v: string, label: string, sel: boolean): string => `<option value="${esc(v)}"${sel ? ' selected' : ''}>${esc(label)}</option>`;
  const metricLabel = (m: string): string => { const u = (stats[m] ?? HOST_METRICS[m])?.unit; return u ? `${m} (${u})` : m; };
  const metricOptions = metrics.map((m) => option(m, metricLabel(m), m === DEFAULT_METRIC)).join('');
  const paramOptions = (sel: number) => params.map((p, i) => option(p, p, i === sel)).join('');
  const combos = [...new Map(sorted.map((r) => [JSON.stringify(r.params), r.params])).values()];

  const resultsHead = [
    { text: '#' }, { text: 'workload', left: true },
    ...params.map((p) => ({ text: p, title: `${pMeta[p]?.doc ?? ''} [${pMeta[p]?.unit ?? ''}]` })),
    { text: 'status', left: true }, { text: 'error', left: true }, { text: 'exit' },
    ...metrics.map((m) => ({ text: m, title: `${(stats[m] ?? HOST_METRICS[m])!.doc} [${(stats[m] ?? HOST_METRICS[m])!.unit}]` })),
    { text: 'key', left: true },
  ];
  const resultsRows = sorted.map((r) => ({
    cls: r.status === 'failed' ? 'failed' : undefined,
    cells: [
      td(r.index), td(r.workload.name, true), ...params.map((p) => td(r.params[p] ?? r.config[p])),
      td(r.status, true), td(r.error ? `${r.error.kind}: ${r.error.message}` : '', true), td(r.summary?.exitCode ?? ''),
      ...metrics.map((m) => td(metricValue(r, m))), td(r.key, true),
    ],
  }));

  const heat = params.length >= 2
    ? `<p><label>x <select id="heat-x">${paramOptions(0)}</select></label><label>y <select id="heat-y">${paramOptions(1)}</select></label>
<label>metric <select id="heat-metric">${metricOptions}</select></label></p>
<p class="note">Each cell is the mean over the points at that (x, y) — over the other swept parameters, if any. Failed points are left out.</p>
<div id="heatmaps">${heatmapHtml(sorted, params[0]!, params[1]!, DEFAULT_METRIC)}</div>`
    : '<p class="note">A heatmap needs a sweep over at least two parameters.</p>';

  const body = `<h1>${esc(title)}</h1>
<section id="summary"><h2>Summary</h2><dl class="kv">
<dt>points</dt><dd>${sorted.length} (${failed} failed)</dd>
<dt>workloads</dt><dd>${esc(workloads.join(', '))}</dd>
<dt>swept parameters</dt><dd>${esc(params.join(', ') || '(none)')}</dd>
<dt>morphsim version</dt><dd>${esc(versions.join(', ') || 'unknown')}</dd>
<dt>report date</dt><dd>${esc(date)}</dd></dl></section>
<section id="metric-vs-param"><h2>Metric against parameter</h2>
<p><label>metric <select id="mp-metric">${metricOptions}</select></label>
<label>parameter <select id="mp-param">${paramOptions(0)}</select></label>
<label>workload <select id="mp-workload">${option('', 'all', true)}${workloads.map((w) => option(w, w, false)).join('')}</select></label>
<label>chart <select id="mp-kind">${option('line', 'line', true)}${option('bar', 'bar', false)}</select></label></p>
<p class="note" id="mp-doc"></p>
<div class="chart"><canvas id="chart-metric" role="img" aria-label="metric against parameter"></canvas></div>
<p class="note">One series per workload and combination of the other swept parameters.</p></section>
<section id="speedup"><h2>Speedup</h2>
<p><label>baseline point <select id="sp-base">${combos.map((c, i) => option(String(i), paramsText(c) || '(base configuration)', i === 0)).join('')}</select></label></p>
<p class="note">Speedup = cycles of the baseline point / cycles of the point, per workload (same simulated work, so higher is faster).</p>
<div class="chart"><canvas id="chart-speedup" role="img" aria-label="speedup relative to the baseline point"></canvas></div></section>
<section id="heatmap"><h2>Heatmap</h2>${heat}</section>
<section id="results"><h2>Results</h2><p class="note">Click a column heading to sort. Hover a heading for the statistic's description.</p>
<div class="scroll">${table(resultsHead, resultsRows, 'id="results-table"')}</div></section>
${jsonScript('sweep-data', { schema: SWEEP_REPORT_SCHEMA, params, metrics, statMeta: stats, hostMeta: HOST_METRICS, paramMeta: pMeta, combos, records: sorted })}`;
  return page(title, body, SWEEP_SCRIPT);
}

// The page script: plain ES5-style JavaScript kept as text (not a compiled function, whose
// source a TypeScript loader may rewrite), without template literals.
const SWEEP_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('sweep-data').textContent);
  var HOST = D.hostMeta;
  var PALETTE = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf'];
  Chart.defaults.animation = false;
  function $(id) { return document.getElementById(id); }
  function meta(m) { return D.statMeta[m] || HOST[m] || { unit: '', doc: '' }; }
  function value(r, m) {
    if (!r.summary) return null;
    if (HOST[m]) return r.summary[m];
    var v = r.summary.stats[m];
    return v === undefined ? null : v;
  }
  function pval(r, p) { return p in r.params ? r.params[p] : r.config[p]; }
  function ok() { return D.records.filter(function (r) { return r.status === 'ok'; }); }
  function distinct(vals) {
    var out = [];
    vals.forEach(function (v) { if (out.indexOf(v) < 0) out.push(v); });
    if (out.every(function (v) { return typeof v === 'number'; })) out.sort(function (a, b) { return a - b; });
    return out;
  }
  function label(params) {
    var s = Object.keys(params).map(function (k) { return k + '=' + params[k]; }).join(' ');
    return s || '(base)';
  }
  function color(i) { return PALETTE[i % PALETTE.length]; }

  var metricChart = null;
  function drawMetric() {
    var m = $('mp-metric').value, p = $('mp-param').value, kind = $('mp-kind').value, only = $('mp-workload').value;
    var mm = meta(m);
    $('mp-doc').textContent = m + ': ' + mm.doc + (mm.unit ? ' [' + mm.unit + ']' : '');
    var pts = ok().filter(function (r) { return only === '' || r.workload.name === only; });
    var xs = distinct(pts.map(function (r) { return pval(r, p); }));
    var groups = {}, order = [];
    pts.forEach(function (r) {
      var rest = {};
      Object.keys(r.params).forEach(function (k) { if (k !== p) rest[k] = r.params[k]; });
      var g = r.workload.name + (Object.keys(rest).length ? ' | ' + label(rest) : '');
      if (!groups[g]) { groups[g] = {}; order.push(g); }
      groups[g][String(pval(r, p))] = value(r, m);
    });
    var datasets = order.map(function (g, i) {
      return { label: g, data: xs.map(function (x) { var v = groups[g][String(x)]; return v === undefined ? null : v; }),
               borderColor: color(i), backgroundColor: color(i), spanGaps: true };
    });
    if (metricChart) metricChart.destroy();
    metricChart = new Chart($('chart-metric'), {
      type: kind, data: { labels: xs.map(String), datasets: datasets },
      options: { maintainAspectRatio: false, scales: { x: { title: { display: true, text: p + (D.paramMeta[p] && D.paramMeta[p].unit ? ' (' + D.paramMeta[p].unit + ')' : '') } },
                 y: { title: { display: true, text: m + (mm.unit ? ' (' + mm.unit + ')' : '') } } } }
    });
  }

  var speedupChart = null;
  function drawSpeedup() {
    var base = D.combos[Number($('sp-base').value)] || {};
    var bkey = JSON.stringify(base);
    var pts = ok();
    var workloads = distinct(pts.map(function (r) { return r.workload.name; }));
    var labels = D.combos.map(label);
    var datasets = workloads.map(function (w, i) {
      var mine = pts.filter(function (r) { return r.workload.name === w; });
      var b = mine.filter(function (r) { return JSON.stringify(r.params) === bkey; })[0];
      return { label: w, backgroundColor: color(i), borderColor: color(i),
        data: D.combos.map(function (c) {
          var k = JSON.stringify(c);
          var r = mine.filter(function (x) { return JSON.stringify(x.params) === k; })[0];
          return b && r && r.summary.cycles > 0 ? b.summary.cycles / r.summary.cycles : null;
        }) };
    });
    if (speedupChart) speedupChart.destroy();
    speedupChart = new Chart($('chart-speedup'), {
      type: 'bar', data: { labels: labels, datasets: datasets },
      options: { maintainAspectRatio: false, scales: { y: { title: { display: true, text: 'speedup over ' + label(base) } } } }
    });
  }

  function esc(s) { var d = document.createElement('div'); d.textContent = String(s); return d.innerHTML; }
  function fmt(v) {
    if (v === null || v === undefined) return '';
    if (typeof v !== 'number') return String(v);
    if (Number.isInteger(v)) return String(v);
    return Math.abs(v) >= 1000 ? v.toFixed(1) : String(Number(v.toPrecision(4)));
  }
  function drawHeatmaps() {
    if (!$('heatmaps')) return;
    var xp = $('heat-x').value, yp = $('heat-y').value, m = $('heat-metric').value;
    var pts = ok();
    var xs = distinct(D.records.map(function (r) { return pval(r, xp); }));
    var ys = distinct(D.records.map(function (r) { return pval(r, yp); }));
    var html = '';
    distinct(D.records.map(function (r) { return r.workload.name; })).forEach(function (w) {
      var grid = ys.map(function (y) {
        return xs.map(function (x) {
          var vs = pts.filter(function (r) { return r.workload.name === w && pval(r, xp) === x && pval(r, yp) === y; })
            .map(function (r) { return value(r, m); }).filter(function (v) { return v !== null; });
          return vs.length ? vs.reduce(function (a, b) { return a + b; }, 0) / vs.length : null;
        });
      });
      var flat = [].concat.apply([], grid).filter(function (v) { return v !== null; });
      var lo = Math.min.apply(null, flat), hi = Math.max.apply(null, flat);
      html += '<h3>' + esc(w) + '</h3><table class="heatmap"><tr><th class="l">' + esc(yp) + ' \\ ' + esc(xp) + '</th>' +
        xs.map(function (x) { return '<th>' + esc(x) + '</th>'; }).join('') + '</tr>';
      grid.forEach(function (row, i) {
        html += '<tr><th>' + esc(ys[i]) + '</th>' + row.map(function (v) {
          if (v === null) return '<td></td>';
          var t = hi === lo ? 0.5 : (v - lo) / (hi - lo);
          return '<td style="background:hsl(' + Math.round(220 - 200 * t) + ',70%,' + Math.round(88 - 25 * t) + '%)">' + esc(fmt(v)) + '</td>';
        }).join('') + '</tr>';
      });
      html += '</table>';
    });
    $('heatmaps').innerHTML = html;
  }

  function sortable(tbl) {
    var ths = tbl.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, col) {
      th.classList.add('sortable');
      th.addEventListener('click', function () {
        var asc = th.getAttribute('data-sort') !== 'asc';
        Array.prototype.forEach.call(ths, function (h) { h.removeAttribute('data-sort'); });
        th.setAttribute('data-sort', asc ? 'asc' : 'desc');
        var body = tbl.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[col].textContent, y = b.cells[col].textContent;
          if (x === '' || y === '') return x === y ? 0 : x === '' ? 1 : -1; // empty cells last either way
          var nx = x === '' ? NaN : Number(x), ny = y === '' ? NaN : Number(y);
          var c = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  ['mp-metric', 'mp-param', 'mp-kind', 'mp-workload'].forEach(function (id) { $(id).addEventListener('change', drawMetric); });
  $('sp-base').addEventListener('change', drawSpeedup);
  ['heat-x', 'heat-y', 'heat-metric'].forEach(function (id) { var e = $(id); if (e) e.addEventListener('change', drawHeatmaps); });
  drawMetric();
  drawSpeedup();
  sortable($('results-table'));
})();
`;

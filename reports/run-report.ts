/**
 * The run report (`morphsim run … --report FILE.html`): one self-contained page about one
 * run. Summary with provenance; cycle breakdown; IPC and tier activity over time; the
 * translations table (guest range and symbol, tier, executions, cycles, rollbacks by cause,
 * and the retranslation history when the runtime records one); the molecule schedule of
 * the hottest translations as a grid (molecules × slots, from the host code itself); the
 * molecule-fill histogram; the comparison with the in-order baseline core when it was run;
 * and every statistic with its unit and doc. Tables are rendered here (readable without
 * JavaScript); the page script draws the charts from the embedded data.
 */
import { atomSpec } from '../isa-host-vliw/atoms.ts';
import { printAtom } from '../isa-host-vliw/printer.ts';
import type { GuestMachine } from '../morph/machine.ts';
import { paramRegistry } from '../morph/config.ts';
import { statRegistry } from '../morph/stats-registry.ts';
import { byCyclesThenId } from '../morph/tcache.ts';
import { translationStats } from '../morph/translation-stats.ts';
import { vliwParams } from '../sim-microarch/params.ts';
import { CYCLE_CATEGORIES } from '../sim-microarch/cycles.ts';
import { esc, fmt, jsonScript, page, paramMeta, statMeta, table, td } from './html.ts';
import type { RunSummary } from './summary.ts';
import type { Sample } from './timeline.ts';

export const RUN_REPORT_SCHEMA = 'morphsim.runreport/1';
/** Translations drawn as molecule grids, hottest (most cycles) first. */
const SCHEDULES = 4;
/** Rows of the translations table (the hottest by cycles; the JSON of --stats-json has them all). */
const TRANSLATION_ROWS = 300;

type TranslationRow = ReturnType<typeof translationStats>['translations'][number] & {
  /** Why each (re)translation of this region happened, when the runtime records it. */
  readonly history?: readonly { readonly version: number; readonly tier: number; readonly reason: string; readonly cycle: number }[];
};

export interface ScheduleGrid {
  readonly id: number;
  readonly tier: number;
  readonly guestStart: string;
  readonly guestEnd: string;
  readonly symbol: string | null;
  readonly executions: number;
  readonly cycles: number;
  /** Per molecule, its atoms in slot order: printed text and unit class. */
  readonly molecules: readonly (readonly { readonly text: string; readonly unit: string }[])[];
}

export interface RunReportData {
  readonly schema: typeof RUN_REPORT_SCHEMA;
  readonly title: string;
  readonly date: string;
  readonly summary: RunSummary;
  /** The same program on the in-order baseline core, when it was run. */
  readonly inorder: RunSummary | null;
  readonly categories: readonly string[];
  readonly timeline: readonly Sample[];
  readonly translations: readonly TranslationRow[];
  /** The blocks the interpreter ran most often (tier 0), with their execution counts. */
  readonly hotBlocks: ReturnType<typeof translationStats>['hotBlocks'];
  readonly schedules: readonly ScheduleGrid[];
  /** Molecules by atom count 0..width: static (in the code made) and weighted by executions. */
  readonly fill: { readonly width: number; readonly static: number[]; readonly dynamic: number[] };
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export function runReportData(i: {
  machine: GuestMachine; summary: RunSummary; timeline: readonly Sample[]; inorder?: RunSummary | null; title?: string; date?: Date;
}): RunReportData {
  const { machine } = i;
  const rt = machine.runtime;
  const width = vliwParams.read(i.summary.config).width;
  const fill = { width, static: new Array<number>(width + 1).fill(0), dynamic: new Array<number>(width + 1).fill(0) };
  let schedules: ScheduleGrid[] = [];
  let translations: TranslationRow[] = [];
  let hotBlocks: RunReportData['hotBlocks'] = [];
  if (rt) {
    const ts = translationStats(rt, machine.image);
    translations = ts.translations as TranslationRow[];
    hotBlocks = ts.hotBlocks;
    for (const t of rt.tcache.history.summaries()) {
      t.fill.forEach((n, atoms) => {
        const k = Math.min(atoms, width);
        fill.static[k]! += n;
        fill.dynamic[k]! += n * t.executions;
      });
    }
    // The history holds whole every translation that can be among these (see TranslationHistory).
    schedules = rt.tcache.history.whole().sort(byCyclesThenId).slice(0, SCHEDULES).map((t) => ({
      id: t.id, tier: t.tier, guestStart: hex(t.entryPc), guestEnd: hex(t.endPc), symbol: machine.image.symbolize(t.entryPc) ?? null,
      executions: t.code.execCount, cycles: t.code.cycles,
      molecules: t.code.molecules.map((m) => m.atoms.map((a) => ({ text: printAtom(a), unit: atomSpec(a.op).unit }))),
    }));
  }
  return {
    schema: RUN_REPORT_SCHEMA,
    title: i.title ?? `morphsim run: ${machine.image.name}`,
    date: (i.date ?? new Date()).toISOString(),
    summary: i.summary,
    inorder: i.inorder ?? null,
    categories: CYCLE_CATEGORIES,
    timeline: i.timeline,
    translations,
    hotBlocks,
    schedules,
    fill,
  };
}

function rollbackText(by: Readonly<Record<string, number>>): string {
  return Object.entries(by).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`).join(', ');
}

function historyText(h: TranslationRow['history']): string {
  return h ? h.map((e) => `v${e.version} tier ${e.tier} @${e.cycle}: ${e.reason}`).join('; ') : '';
}

export function runReportHtml(d: RunReportData): string {
  const s = d.summary;
  const stats = statMeta();
  const pMeta = paramMeta();
  const pct = (c: number, total: number): string => (total ? `${((100 * c) / total).toFixed(1)}%` : '');

  const kv = (rows: [string, unknown][]): string => `<dl class="kv">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(fmt(v))}</dd>`).join('')}</dl>`;
  const summary = kv([
    ['program', s.provenance.elf], ['mode', s.mode], ['core', s.core], ['platform', s.platform],
    ['exit code', s.exitCode ?? `none (${s.stop})`], ['instructions retired', s.instret], ['cycles', s.cycles], ['IPC', s.ipc],
    ['simulation speed', `${s.mips.toFixed(2)} MIPS (${s.wallSeconds.toFixed(2)} s)`],
    ['verification', s.verify ? `lockstep, ${s.verify.commitsChecked} commits checked` : 'none'],
  ]);
  const prov = kv([
    ['morphsim version', s.provenance.version], ['ELF sha256', s.provenance.elfSha256], ['configuration hash', s.provenance.configHash],
    ['Node.js', s.provenance.node], ['report date', d.date],
  ]);
  const defaults = paramRegistry.defaults();
  const changed = Object.entries(s.config).filter(([k, v]) => k in defaults && v !== defaults[k]);
  const configTable = table(
    [{ text: 'parameter', left: true }, { text: 'value' }, { text: 'unit', left: true }, { text: 'doc', left: true }],
    Object.entries(s.config).map(([k, v]) => ({
      cls: changed.some(([c]) => c === k) ? 'changed' : undefined,
      cells: [td(k, true), td(v), td(pMeta[k]?.unit ?? '', true), td(pMeta[k]?.doc ?? '', true)],
    })),
  );

  const breakdownRows = d.categories.map((c) => {
    const name = `cycles.${c}`;
    const cells = [td(c, true), td(s.breakdown[c as keyof typeof s.breakdown]), td(pct(s.breakdown[c as keyof typeof s.breakdown], s.cycles))];
    if (d.inorder) cells.push(td(d.inorder.breakdown[c as keyof typeof s.breakdown]), td(pct(d.inorder.breakdown[c as keyof typeof s.breakdown], d.inorder.cycles)));
    cells.push(td(stats[name]?.doc ?? '', true));
    return { cells };
  });
  const breakdownHead = [{ text: 'category', left: true }, { text: 'cycles' }, { text: 'share' },
    ...(d.inorder ? [{ text: 'in-order cycles' }, { text: 'in-order share' }] : []), { text: 'what it counts', left: true }];

  const rows = [...d.translations].sort((a, b) => b.cycles - a.cycles || a.id - b.id).slice(0, TRANSLATION_ROWS);
  const hasHistory = rows.some((t) => t.history !== undefined);
  const transTable = rows.length === 0 ? '<p class="note">This engine makes no translations.</p>' : table(
    [{ text: 'id' }, { text: 'guest pc range', left: true }, { text: 'symbol', left: true }, { text: 'tier' }, { text: 'live', left: true },
      { text: 'guest insns' }, { text: 'molecules' }, { text: 'atoms' }, { text: 'executions' }, { text: 'cycles' }, { text: 'cycles/exec' },
      { text: 'IPC', title: 'guest instructions × executions / cycles: exact for runs to the last commit, an upper bound when side exits or rollbacks cut runs short' },
      { text: 'rollbacks' }, { text: 'rollbacks by cause', left: true }, { text: 'side exits taken' },
      ...(hasHistory ? [{ text: 'history (why each retranslation)', left: true }] : [])],
    rows.map((t) => ({
      cells: [td(t.id), td(`${t.guestStart}–${t.guestEnd}`, true), td(t.symbol ?? '', true), td(t.tier), td(t.live ? 'yes' : 'no', true),
        td(t.guestInsns), td(t.molecules), td(t.atoms), td(t.executions), td(t.cycles), td(t.executions ? t.cycles / t.executions : ''),
        td(t.cycles ? (t.guestInsns * t.executions) / t.cycles : ''), td(t.rollbacks), td(rollbackText(t.rollbacksByCause), true),
        td(t.sideExitsTaken),
        ...(hasHistory ? [td(historyText(t.history), true)] : [])],
    })),
    'id="translations-table"',
  );

  const grids = d.schedules.map((g) => {
    const head = `<tr><th>molecule</th>${Array.from({ length: d.fill.width }, (_, k) => `<th class="l">slot ${k}</th>`).join('')}</tr>`;
    const body = g.molecules.map((m, i) => `<tr><th>${i}</th>${Array.from({ length: d.fill.width }, (_, k) => {
      const a = m[k];
      return a ? `<td class="u-${esc(a.unit)}" title="${esc(a.unit)} unit">${esc(a.text)}</td>` : '<td></td>';
    }).join('')}</tr>`).join('\n');
    return `<h3>translation ${g.id} (tier ${g.tier}): ${esc(g.guestStart)}–${esc(g.guestEnd)} ${esc(g.symbol ?? '')}</h3>
<p class="note">${g.executions} executions, ${g.cycles} cycles, ${g.molecules.length} molecules</p>
<table class="sched">${head}${body}</table>`;
  }).join('\n');

  const fillTable = table(
    [{ text: 'atoms per molecule' }, { text: 'molecules (static)' }, { text: 'molecules × executions' }],
    d.fill.static.map((n, k) => ({ cells: [td(k), td(n), td(d.fill.dynamic[k])] })),
    'id="fill-table"',
  );

  const inorder = d.inorder ? table(
    [{ text: 'core', left: true }, { text: 'instructions' }, { text: 'cycles' }, { text: 'IPC' }, { text: 'speedup of the co-designed machine' }],
    [
      { cells: [td(`co-designed VLIW (${s.mode})`, true), td(s.instret), td(s.cycles), td(s.ipc), td(s.cycles ? d.inorder.cycles / s.cycles : '')] },
      { cells: [td('in-order 5-stage baseline', true), td(d.inorder.instret), td(d.inorder.cycles), td(d.inorder.ipc), td(1)] },
    ],
    'id="inorder-table"',
  ) : '<p class="note">The baseline core was not run (<code>morphsim run --compare-inorder</code> adds it).</p>';

  const statTable = table(
    [{ text: 'statistic', left: true }, { text: 'value' }, { text: 'unit', left: true }, { text: 'doc', left: true }],
    statRegistry.entries.map((e) => ({ cells: [td(e.name, true), td(s.stats[e.name]), td(e.def.unit, true), td(e.def.doc, true)] })),
    'id="stats-table"',
  );

  const body = `<h1>${esc(d.title)}</h1>
<section id="summary"><h2>Summary</h2>${summary}<h3>Provenance</h3>${prov}
<details><summary>Configuration (${changed.length} changed from the defaults: ${esc(changed.map(([k, v]) => `${k}=${String(v)}`).join(', ') || 'none')})</summary>
<div class="scroll">${configTable}</div></details></section>
<section id="breakdown"><h2>Cycle breakdown</h2>
<div class="chart"><canvas id="chart-breakdown" role="img" aria-label="cycle breakdown"></canvas></div>
${table(breakdownHead, breakdownRows, 'id="breakdown-table"')}</section>
<section id="timeline"><h2>IPC and tier activity over time</h2>
<p class="note">${d.timeline.length} samples; each point covers the cycles since the previous one.</p>
<div class="chart"><canvas id="chart-ipc" role="img" aria-label="IPC over time"></canvas></div>
<div class="chart"><canvas id="chart-activity" role="img" aria-label="share of cycles by category over time"></canvas></div>
<div class="chart"><canvas id="chart-tiers" role="img" aria-label="instructions by tier and translations made over time"></canvas></div></section>
<section id="translations"><h2>Translations</h2>
<p class="note">${d.translations.length} translations made${d.translations.length > rows.length ? `; the ${rows.length} with the most cycles are shown` : ''}.</p>
<div class="scroll">${transTable}</div>
<h3>Hottest interpreted blocks</h3>
${d.hotBlocks.length === 0 ? '<p class="note">No block was interpreted by the runtime.</p>' : table(
    [{ text: 'guest pc', left: true }, { text: 'symbol', left: true }, { text: 'times interpreted' }],
    d.hotBlocks.map((b) => ({ cells: [td(b.pc, true), td(b.symbol ?? '', true), td(b.interpreted)] })),
    'id="hot-blocks-table"',
  )}</section>
<section id="schedule"><h2>Molecule schedule of the hottest translations</h2>
<p class="note">Each row is one molecule (one issue cycle), each column a slot; colours are unit classes: <span class="u-alu">alu</span> <span class="u-mem">mem</span> <span class="u-mul">mul</span> <span class="u-br">br</span>.</p>
${grids || '<p class="note">This engine makes no translations.</p>'}</section>
<section id="fill"><h2>Molecule fill</h2>
<p class="note">Molecules by number of atoms, over all translations made: as generated, and weighted by how often each translation was entered (an upper bound where side exits leave early).</p>
<div class="chart"><canvas id="chart-fill" role="img" aria-label="molecule fill histogram"></canvas></div>${fillTable}</section>
<section id="inorder"><h2>Comparison with the in-order baseline</h2>${inorder}</section>
<section id="statistics"><h2>All statistics</h2><div class="scroll">${statTable}</div></section>
${jsonScript('run-data', { ...d, statMeta: stats })}`;
  return page(d.title, body, RUN_SCRIPT);
}

// The page script (plain JavaScript kept as text; see sweep-report.ts for why).
const RUN_SCRIPT = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('run-data').textContent);
  var PALETTE = ['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f','#bcbd22','#17becf','#393b79','#637939'];
  Chart.defaults.animation = false;
  function $(id) { return document.getElementById(id); }
  function color(i) { return PALETTE[i % PALETTE.length]; }
  var cats = D.categories;
  var opts = function (extra) { var o = { maintainAspectRatio: false }; for (var k in extra) o[k] = extra[k]; return o; };

  // Cycle breakdown: one stacked bar per core.
  var bars = [D.summary.mode + ' (' + D.summary.core + ')'];
  if (D.inorder) bars.push('in-order baseline');
  new Chart($('chart-breakdown'), {
    type: 'bar',
    data: { labels: bars, datasets: cats.map(function (c, i) {
      var v = [D.summary.breakdown[c]]; if (D.inorder) v.push(D.inorder.breakdown[c]);
      return { label: c, data: v, backgroundColor: color(i) };
    }).filter(function (ds) { return ds.data.some(function (v) { return v > 0; }); }) },
    options: opts({ indexAxis: 'y', scales: { x: { stacked: true, title: { display: true, text: 'cycles' } }, y: { stacked: true } } })
  });

  // Per-interval differences of the cumulative samples.
  var T = D.timeline, iv = [];
  for (var i = 0; i < T.length; i++) {
    var p = i ? T[i - 1] : { cycles: 0, instret: 0, interpreted: 0, translated: 0, tier1: 0, tier2: 0, breakdown: cats.map(function () { return 0; }) };
    var q = T[i];
    iv.push({ at: q.cycles, cycles: q.cycles - p.cycles, instret: q.instret - p.instret, interpreted: q.interpreted - p.interpreted,
      translated: q.translated - p.translated, tier1: q.tier1 - p.tier1, tier2: q.tier2 - p.tier2,
      breakdown: q.breakdown.map(function (v, k) { return v - p.breakdown[k]; }) });
  }
  var labels = iv.map(function (x) { return (x.at / 1e6).toFixed(3); });
  var xAxis = { title: { display: true, text: 'simulated time (Mcycles)' } };
  new Chart($('chart-ipc'), {
    type: 'line',
    data: { labels: labels, datasets: [{ label: 'IPC in the interval', data: iv.map(function (x) { return x.cycles ? x.instret / x.cycles : 0; }),
      borderColor: color(0), backgroundColor: color(0), pointRadius: 0 }] },
    options: opts({ scales: { x: xAxis, y: { title: { display: true, text: 'guest insns / cycle' }, beginAtZero: true } } })
  });
  new Chart($('chart-activity'), {
    type: 'line',
    data: { labels: labels, datasets: cats.map(function (c, k) {
      return { label: c, fill: true, pointRadius: 0, borderColor: color(k), backgroundColor: color(k),
        data: iv.map(function (x) { return x.cycles ? 100 * x.breakdown[k] / x.cycles : 0; }) };
    }).filter(function (ds) { return ds.data.some(function (v) { return v > 0; }); }) },
    options: opts({ scales: { x: xAxis, y: { stacked: true, min: 0, max: 100, title: { display: true, text: '% of the interval\'s cycles' } } } })
  });
  new Chart($('chart-tiers'), {
    data: { labels: labels, datasets: [
      { type: 'bar', label: 'interpreted insns (tier 0)', data: iv.map(function (x) { return x.interpreted; }), backgroundColor: color(1), stack: 'i' },
      { type: 'bar', label: 'translated insns (tier 1/2)', data: iv.map(function (x) { return x.translated; }), backgroundColor: color(2), stack: 'i' },
      { type: 'line', label: 'tier-1 translations made', data: iv.map(function (x) { return x.tier1; }), borderColor: color(3), backgroundColor: color(3), yAxisID: 'y2', pointRadius: 0 },
      { type: 'line', label: 'tier-2 translations made', data: iv.map(function (x) { return x.tier2; }), borderColor: color(4), backgroundColor: color(4), yAxisID: 'y2', pointRadius: 0 }
    ] },
    options: opts({ scales: { x: xAxis, y: { stacked: true, title: { display: true, text: 'guest instructions' } },
      y2: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'translations' } } } })
  });

  new Chart($('chart-fill'), {
    type: 'bar',
    data: { labels: D.fill.static.map(function (_, k) { return String(k); }), datasets: [
      { label: 'molecules (static)', data: D.fill.static, backgroundColor: color(0), yAxisID: 'y' },
      { label: 'molecules × executions', data: D.fill.dynamic, backgroundColor: color(1), yAxisID: 'y2' }
    ] },
    options: opts({ scales: { x: { title: { display: true, text: 'atoms per molecule (of ' + D.fill.width + ' slots)' } },
      y: { beginAtZero: true, title: { display: true, text: 'molecules' } },
      y2: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'molecules × executions' } } } })
  });
})();
`;

// HTML reports, parsed with jsdom: the sections and charts exist, the embedded data is the
// results, nothing is fetched from elsewhere, text from workloads is escaped, and the tables
// agree with independent figures (the host code, the statistics). The run report's sampling
// must not change the run it samples.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmt } from '../reports/html.ts';
import { runPoint } from '../reports/run-point.ts';
import { runReportData, runReportHtml, type RunReportData } from '../reports/run-report.ts';
import { expandSpec, type PointRecord } from '../reports/sweep.ts';
import { metricValue, sweepReportHtml } from '../reports/sweep-report.ts';
import { runSummary } from '../reports/summary.ts';
import { runWithTimeline } from '../reports/timeline.ts';
import { GuestMachine } from '../morph/machine.ts';
import { paramRegistry } from '../morph/config.ts';
import { translationStats } from '../morph/translation-stats.ts';
import { DEFAULT_KEEP_WHOLE } from '../morph/tcache.ts';
import { image, WORKLOADS } from './helpers/workloads.ts';
import { repoPath, ROOT, runCli } from './helpers/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'morphsim-reports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

export const XSS_NAME = '<img src=x onerror=alert(1)>';
const SCRIPT_NAME = '</script><script>window.pwned=1</script>';

/** Everything in a page that would make a browser fetch something. */
function externalRefs(doc: Document, html: string): string[] {
  const refs: string[] = [];
  for (const el of doc.querySelectorAll('[src],[href],[srcset],[action],[poster],[data]')) {
    for (const a of ['src', 'href', 'srcset', 'action', 'poster', 'data']) {
      const v = el.getAttribute(a);
      if (v !== null && !v.startsWith('#')) refs.push(`${el.tagName} ${a}=${v}`);
    }
  }
  for (const el of doc.querySelectorAll('link,iframe,object,embed,img,video,audio,source')) refs.push(el.tagName);
  if (/url\(/i.test([...doc.querySelectorAll('style')].map((s) => s.textContent).join(''))) refs.push('css url()');
  if (/@import/i.test(html)) refs.push('@import');
  if (/sourceMappingURL/.test(html)) refs.push('sourceMappingURL');
  return refs;
}

const parse = (html: string): Document => new JSDOM(html).window.document;

describe('sweep report', () => {
  let records: PointRecord[];
  let html: string;
  let doc: Document;
  beforeAll(async () => {
    // In-process (no worker threads): what the workers would return, without their start-up cost.
    const points = expandSpec({
      workloads: [{ elf: 'workloads/bin/mtraps.elf', name: XSS_NAME }, { elf: 'workloads/bin/mhello.elf', name: SCRIPT_NAME }],
      mode: 'translate', axes: { 'vliw.width': [2, 4], 'tier.threshold': [2, 20] },
    }, { baseDir: ROOT });
    records = (await Promise.all(points.map(runPoint))).reverse(); // completion order is arbitrary: the report sorts
    html = sweepReportHtml(records, { title: `sweep of ${XSS_NAME}`, date: new Date(0) });
    doc = parse(html);
  });

  it('has its sections and chart canvases', () => {
    for (const id of ['summary', 'metric-vs-param', 'speedup', 'heatmap', 'results']) expect(doc.getElementById(id), id).not.toBeNull();
    expect([...doc.querySelectorAll('canvas')].map((c) => c.id)).toEqual(['chart-metric', 'chart-speedup']);
    expect(records.every((r) => r.status === 'ok')).toBe(true);
  });

  it('embeds exactly the results (in point order)', () => {
    const data = JSON.parse(doc.getElementById('sweep-data')!.textContent!);
    expect(data.records).toEqual(JSON.parse(JSON.stringify([...records].sort((a, b) => a.index - b.index))));
    expect(data.params).toEqual(['vliw.width', 'tier.threshold']);
  });

  it('references nothing outside the file', () => {
    expect(externalRefs(doc, html)).toEqual([]);
    expect(doc.querySelectorAll('script[src]')).toHaveLength(0);
  });

  it('renders workload names as text, in tables, headings and the embedded data alike', () => {
    expect(doc.querySelectorAll('img')).toHaveLength(0);
    // Three scripts: the data island, chart.js, the page's own; a name cannot add one.
    expect(doc.querySelectorAll('script')).toHaveLength(3);
    expect(doc.title).toBe(`sweep of ${XSS_NAME}`);
    const names = [...doc.querySelectorAll('#results-table tbody tr')].map((tr) => tr.children[1]!.textContent);
    expect(new Set(names)).toEqual(new Set([XSS_NAME, SCRIPT_NAME]));
    expect([...doc.querySelectorAll('#heatmaps h3')].map((h) => h.textContent)).toEqual([XSS_NAME, SCRIPT_NAME]);
  });

  it('has one results row per point, with the run figures', () => {
    const rows = [...doc.querySelectorAll('#results-table tbody tr')];
    expect(rows).toHaveLength(8);
    const head = [...doc.querySelectorAll('#results-table thead th')].map((t) => t.textContent);
    const col = head.indexOf('cycles.total');
    const sorted = [...records].sort((a, b) => a.index - b.index);
    expect(rows.map((r) => Number(r.children[col]!.textContent))).toEqual(sorted.map((r) => r.summary!.cycles));
  });

  it('heatmap cells are the metric at that (x, y)', () => {
    const table = doc.querySelectorAll('#heatmaps table')[0]!;
    const xs = [...table.querySelectorAll('tr')[0]!.querySelectorAll('th')].slice(1).map((t) => Number(t.textContent));
    expect(xs).toEqual([2, 4]);
    const body = [...table.querySelectorAll('tr')].slice(1);
    for (const tr of body) {
      const y = Number(tr.querySelector('th')!.textContent);
      [...tr.querySelectorAll('td')].forEach((cell, i) => {
        const r = records.find((p) => p.workload.name === XSS_NAME && p.params['vliw.width'] === xs[i] && p.params['tier.threshold'] === y)!;
        expect(cell.textContent).toBe(fmt(metricValue(r, 'morph.ipc')));
      });
    }
  });

  it('morphsim report writes it from results files; a bad file is one line, exit 2', async () => {
    const f = join(tmp, 'r.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(f, records.map((r) => JSON.stringify(r) + '\n').join(''));
    const out = join(tmp, 'r.html');
    expect(await runCli(['report', f, '-o', out])).toMatchObject({ code: 0, stderr: '' });
    expect(parse(readFileSync(out, 'utf8')).querySelectorAll('#results-table tbody tr')).toHaveLength(8);
    const missing = await runCli(['report', join(tmp, 'nope.jsonl'), '-o', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^morphsim: cannot read results .*nope\.jsonl: no such file\n$/);
    writeFileSync(f, 'garbage\n');
    expect((await runCli(['export', f, '--csv', join(tmp, 'x.csv')])).stderr).toMatch(/r\.jsonl:1: not a JSON line/);
  });
});

function runWith(overrides: Record<string, unknown>, sampled: boolean) {
  const path = 'workloads/bin/sort.elf';
  const machine = new GuestMachine(image(path), { config: paramRegistry.resolve(overrides), args: ['200'] });
  const r = sampled ? runWithTimeline(machine, Number.MAX_SAFE_INTEGER) : { result: machine.run(), timeline: [] };
  return { machine, ...r };
}

describe('timeline sampling', () => {
  it.each([
    ['translate', { 'run.mode': 'translate', 'tier.threshold': 3 }],
    ['interp', { 'run.mode': 'interp' }],
    ['inorder', { 'run.core': 'inorder' }],
  ])('does not change the run it samples (%s)', (_name, o) => {
    const a = runWith(o, true);
    const b = runWith(o, false);
    expect(a.result.cycles).toBe(b.result.cycles);
    expect(a.result.stats).toEqual(b.result.stats);
    const t = a.timeline;
    expect(t.length).toBeGreaterThan(20);
    expect(t.length).toBeLessThanOrEqual(300);
    expect(t[t.length - 1]).toMatchObject({ cycles: a.result.cycles, instret: a.result.instret });
    // Cumulative and consistent: cycles and instructions grow; each breakdown sums to its cycles.
    for (let i = 1; i < t.length; i++) {
      expect(t[i]!.cycles).toBeGreaterThan(t[i - 1]!.cycles);
      expect(t[i]!.instret).toBeGreaterThanOrEqual(t[i - 1]!.instret);
    }
    for (const s of t) expect(s.breakdown.reduce((x, y) => x + y, 0)).toBe(s.cycles);
    for (const s of t) expect(s.interpreted + s.translated).toBe(s.instret);
  });
});

describe('translation history when translations churn', () => {
  // An 8 KiB cache flushes every few translations; dropped ones are compacted to summaries,
  // and the runtime forgets their profile unless it is still a source for tier 2. The
  // oracle: the same run holding every dropped translation whole and forgetting nothing.
  const run = (keepDroppedWhole: number) => {
    const w = WORKLOADS.find((x) => x.name === 'strings')!;
    const machine = new GuestMachine(image('workloads/bin/strings.elf'), {
      config: paramRegistry.resolve({ 'run.mode': 'optimize', 'tier.tcacheBytes': 8192 }),
      args: w.args, stdout: () => {}, warn: () => {}, runtime: { keepDroppedWhole },
    });
    const result = machine.run(2_000_000);
    const summary = runSummary({ machine, result, elfBytes: readFileSync(repoPath('workloads/bin/strings.elf')), config: machine.opts.config, version: 'test', wallSeconds: 1 });
    return { machine, result, data: runReportData({ machine, summary, timeline: [], date: new Date(0) }) };
  };

  it('keeps statistics, histories, fill, schedules and cycles exact while holding few translations whole', () => {
    const all = run(Infinity);
    const compact = run(DEFAULT_KEEP_WHOLE);
    const none = run(0);
    const rt = compact.machine.runtime!;
    expect(compact.result.stats['morph.flushes']).toBeGreaterThan(10);
    expect(compact.result.stats['morph.tier2Made']).toBeGreaterThan(0);
    expect(rt.tcache.history.length).toBe(compact.result.stats['morph.translationsMade']);
    expect(all.machine.runtime!.tcache.history.whole()).toHaveLength(rt.tcache.history.length);
    expect(rt.tcache.history.whole().length).toBeLessThanOrEqual(rt.tcache.size + DEFAULT_KEEP_WHOLE);
    expect(none.machine.runtime!.tcache.history.whole()).toHaveLength(none.machine.runtime!.tcache.size);
    // Versions are rebuilt from one list per pc: some pc must have been remade many times.
    expect(Math.max(...compact.data.translations.map((t) => t.history?.length ?? 0))).toBeGreaterThan(10);
    expect(compact.data).toEqual(all.data);
    // Held whole: only the live ones, so the schedules may differ; nothing else does.
    expect({ ...none.data, schedules: [] }).toEqual({ ...all.data, schedules: [] });
  }, 60_000);
});

describe('run report', () => {
  let data: RunReportData;
  let doc: Document;
  let html: string;
  let machine: GuestMachine;
  beforeAll(() => {
    const r = runWith({ 'run.mode': 'translate', 'tier.threshold': 3 }, true);
    machine = r.machine;
    const summary = runSummary({ machine, result: r.result, elfBytes: readFileSync(repoPath('workloads/bin/sort.elf')), config: machine.opts.config, version: 'test', wallSeconds: 1 });
    data = runReportData({ machine, summary, timeline: r.timeline, date: new Date(0) });
    html = runReportHtml(data);
    doc = parse(html);
  });

  it('has its sections and chart canvases, and nothing external', () => {
    for (const id of ['summary', 'breakdown', 'timeline', 'translations', 'schedule', 'fill', 'inorder', 'statistics']) expect(doc.getElementById(id), id).not.toBeNull();
    expect([...doc.querySelectorAll('canvas')].map((c) => c.id)).toEqual(['chart-breakdown', 'chart-ipc', 'chart-activity', 'chart-tiers', 'chart-fill']);
    expect(externalRefs(doc, html)).toEqual([]);
  });

  it('embeds the run summary and shows its provenance', () => {
    const embedded = JSON.parse(doc.getElementById('run-data')!.textContent!);
    expect(embedded.summary).toEqual(JSON.parse(JSON.stringify(data.summary)));
    const text = doc.getElementById('summary')!.textContent!;
    expect(text).toContain(data.summary.provenance.elfSha256);
    expect(text).toContain(data.summary.provenance.configHash);
    expect(text).toContain('1970-01-01T00:00:00.000Z');
  });

  it('breakdown table sums to the cycles', () => {
    const rows = [...doc.querySelectorAll('#breakdown-table tbody tr')];
    expect(rows.reduce((s, r) => s + Number(r.children[1]!.textContent), 0)).toBe(data.summary.cycles);
  });

  it('translations table and molecule grids come from the translations made', () => {
    const ts = translationStats(machine.runtime!, machine.image).translations;
    expect(doc.querySelectorAll('#translations-table tbody tr')).toHaveLength(Math.min(300, ts.length));
    const hottest = machine.runtime!.tcache.history.whole().sort((a, b) => b.code.cycles - a.code.cycles || a.id - b.id)[0]!;
    const grid = doc.querySelector('table.sched')!;
    const rows = [...grid.querySelectorAll('tr')].slice(1);
    expect(rows.map((r) => [...r.querySelectorAll('td')].filter((c) => c.textContent !== '').length))
      .toEqual(hottest.code.molecules.map((m) => m.atoms.length));
    expect([...doc.querySelectorAll('#hot-blocks-table tbody tr')].map((r) => Number(r.children[2]!.textContent)))
      .toEqual(machine.runtime!.profile.hottestBlocks(20).map((b) => b.count));
    // The fill histogram accounts for every molecule and atom made.
    expect(data.fill.static.reduce((s, n) => s + n, 0)).toBe(ts.reduce((s, t) => s + t.molecules, 0));
    expect(data.fill.static.reduce((s, n, k) => s + n * k, 0)).toBe(ts.reduce((s, t) => s + t.atoms, 0));
  });

  it('shows the retranslation history the runtime records', () => {
    // Every translation records its versions (tier 1 made at the threshold here).
    expect(doc.querySelector('#translations-table')!.textContent).toMatch(/v1 tier 1 @\d+: threshold/);
    const t0 = data.translations[0]!;
    const withHistory = { ...data, translations: [{ ...t0, history: [{ version: 2, tier: 2 as const, reason: `alias faults <b>`, cycle: 1234 }] }, ...data.translations.slice(1)] };
    const d2 = parse(runReportHtml(withHistory));
    expect(d2.querySelector('#translations-table')!.textContent).toContain('v2 tier 2 @1234: alias faults <b>');
    expect(d2.querySelectorAll('#translations-table b')).toHaveLength(0);
  });

  it('morphsim run --report --compare-inorder includes the baseline core, as a direct run measures it', async () => {
    const out = join(tmp, 'run.html');
    const r = await runCli(['run', '-q', '--mode', 'translate', '--report', out, '--compare-inorder', repoPath('workloads/bin/mtraps.elf')]);
    expect(r.code).toBe(0);
    const d = parse(readFileSync(out, 'utf8'));
    const direct = new GuestMachine(image('workloads/bin/mtraps.elf'), { config: paramRegistry.resolve({ 'run.core': 'inorder', 'run.mode': 'translate' }) }).run();
    const rows = [...d.querySelectorAll('#inorder-table tbody tr')];
    expect(Number(rows[1]!.children[2]!.textContent)).toBe(direct.cycles);
    const bad = await runCli(['run', '--core', 'inorder', '--compare-inorder', repoPath('workloads/bin/mtraps.elf')]);
    expect(bad.code).toBe(2);
  });
});

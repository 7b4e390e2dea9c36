// The reports in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core through executablePath) opens a run report and a sweep report from disk,
// with no network: no console error, no uncaught exception, no dialog (a workload named like
// markup must not run), and every chart canvas has been drawn on. Selecting another metric
// redraws; clicking a heading sorts the results table.
// Without chromium the test is skipped — except in CI (CI=true), which installs it and must
// not pass by skipping.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashedPoint, runPoint } from '../reports/run-point.ts';
import { expandSpec } from '../reports/sweep.ts';
import { sweepReportHtml } from '../reports/sweep-report.ts';
import { ROOT, repoPath, runCli } from './helpers/run-cli.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const inCI = process.env['CI'] === 'true';
const XSS_NAME = '<img src=x onerror=alert(1)>';

describe('chromium', () => {
  // Runs everywhere; fails only under CI=true, where the browser test may not be skipped.
  it('is installed when CI=true', () => {
    if (!haveChromium && inCI) expect.fail(`${CHROMIUM} not found; install the Debian package chromium (or set CHROMIUM_PATH)`);
  });
});

interface Opened { readonly page: Page; readonly problems: string[] }

describe.skipIf(!haveChromium)('reports in headless Chromium', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'morphsim-browser-'));
  let browser: Browser;
  let runHtml: string;
  let sweepHtml: string;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Chromium's sandbox cannot start as root (CI containers run as root).
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
    runHtml = join(tmp, 'run.html');
    const r = await runCli(['run', '-q', '--mode', 'translate', '--threshold', '3', '--compare-inorder', '--report', runHtml, repoPath('workloads/bin/sort.elf'), '--', '100']);
    expect(r.code).toBe(0);
    const points = expandSpec({
      workloads: [{ elf: 'workloads/bin/mtraps.elf', name: XSS_NAME }, 'workloads/bin/mhello.elf'],
      mode: 'translate', axes: { 'vliw.width': [2, 4], 'tier.threshold': [2, 20] },
    }, { baseDir: ROOT });
    // Failed points too: one that ran and exited non-zero, one whose worker died (no summary).
    const failing = expandSpec({ workloads: [{ elf: 'workloads/bin/sort.elf', args: ['0'] }, 'workloads/bin/mhello.elf'], axes: { 'vliw.width': [8] } }, { baseDir: ROOT });
    const records = [...await Promise.all(points.map(runPoint)), await runPoint(failing[0]!), crashedPoint(failing[1]!, 'worker died: for the test')];
    expect(records.filter((r) => r.status === 'failed').map((r) => r.error!.kind)).toEqual(['exit', 'crash']);
    sweepHtml = join(tmp, 'sweep.html');
    writeFileSync(sweepHtml, sweepReportHtml(records));
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Opened> {
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
    page.on('request', (req) => { if (!req.url().startsWith('file:')) problems.push(`request: ${req.url()}`); });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, problems };
  }

  /** Per canvas: its id and how many pixels are not fully transparent. */
  const inkPerCanvas = (page: Page): Promise<[string, number][]> => page.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((c): [string, number] => {
      const px = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) ink++;
      return [c.id, ink];
    }));

  it('the run report draws every chart without an error', async () => {
    const { page, problems } = await open(runHtml);
    const ink = await inkPerCanvas(page);
    expect(ink.map(([id]) => id)).toEqual(['chart-breakdown', 'chart-ipc', 'chart-activity', 'chart-tiers', 'chart-fill']);
    for (const [id, n] of ink) expect(n, `${id} is blank`).toBeGreaterThan(2000);
    expect(problems).toEqual([]);
  });

  it('the sweep report draws every chart, redraws on a new metric and sorts its table', async () => {
    const { page, problems } = await open(sweepHtml);
    const ink = await inkPerCanvas(page);
    expect(ink.map(([id]) => id)).toEqual(['chart-metric', 'chart-speedup']);
    for (const [id, n] of ink) expect(n, `${id} is blank`).toBeGreaterThan(2000);

    const before = await page.evaluate(() => (document.getElementById('chart-metric') as HTMLCanvasElement).toDataURL());
    await page.selectOption('#mp-metric', 'cycles.total');
    await page.selectOption('#heat-metric', 'cycles.total');
    const after = await page.evaluate(() => (document.getElementById('chart-metric') as HTMLCanvasElement).toDataURL());
    expect(after).not.toBe(before);
    // One workload only: its series alone.
    await page.selectOption('#mp-workload', 'mhello');
    const legend = await page.evaluate(() => {
      const chart = (globalThis as unknown as { Chart: { getChart(id: string): { data: { datasets: { label: string }[] } } } }).Chart.getChart('chart-metric');
      return chart.data.datasets.map((d) => d.label);
    });
    expect(legend).toEqual(['mhello | tier.threshold=2', 'mhello | tier.threshold=20']);
    // Failed points are left out of the heatmaps: only numbers or empty cells.
    const heat = await page.$$eval('#heatmaps td', (tds) => tds.map((t) => t.textContent));
    expect(heat.filter((t) => t !== '').length).toBe(8);
    expect(heat.every((t) => t === '' || /^\d+$/.test(t!))).toBe(true);

    // Sort by cycles: the column reads ascending, then descending.
    const col = await page.$$eval('#results-table thead th', (ths) => ths.findIndex((t) => t.textContent === 'cycles.total'));
    const column = () => page.$$eval('#results-table tbody tr', (trs, c) => trs.map((tr) => tr.children[c]!.textContent), col);
    await page.click(`#results-table thead th:nth-child(${col + 1})`);
    const asc = await column();
    const nums = asc.filter((t) => t !== '').map(Number);
    expect(nums).toHaveLength(9);
    expect(nums).toEqual([...nums].sort((a, b) => a - b));
    expect(asc.slice(9)).toEqual(['']); // the crashed point has no figures: last either way
    await page.click(`#results-table thead th:nth-child(${col + 1})`);
    const desc = await column();
    expect(desc).toEqual([...nums.map(String)].reverse().concat(['']));

    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
    expect(problems).toEqual([]);
  });
});

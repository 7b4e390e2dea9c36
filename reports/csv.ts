/**
 * Sweep results as one flat CSV table for pandas and R: one row per point; the point's
 * identity and outcome, then every parameter of the resolved configuration (`param.` +
 * name) and every statistic (`stat.` + name), in registry order (names from other versions,
 * if any, follow sorted). RFC 4180 quoting.
 */
import { paramRegistry } from '../morph/config.ts';
import { statRegistry } from '../morph/stats-registry.ts';
import type { PointRecord } from './results.ts';

function quote(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Names in registry order, then names the registry lacks (sorted). */
function columns(registryNames: readonly string[], present: Iterable<string>): string[] {
  const known = new Set(registryNames);
  const extra = [...new Set(present)].filter((n) => !known.has(n)).sort();
  return [...registryNames, ...extra];
}

export function resultsCsv(records: readonly PointRecord[]): string {
  const sorted = [...records].sort((a, b) => a.index - b.index || (a.key < b.key ? -1 : 1));
  const params = columns(paramRegistry.entries.map((e) => e.name), sorted.flatMap((r) => Object.keys(r.config)));
  const stats = columns(statRegistry.entries.map((e) => e.name), sorted.flatMap((r) => Object.keys(r.summary?.stats ?? {})));
  const head = ['index', 'key', 'workload', 'elf', 'args', 'status', 'error_kind', 'error', 'exit_code', 'stop', 'output_sha256',
    'version', 'elf_sha256', 'config_hash', 'wall_seconds', ...params.map((p) => `param.${p}`), ...stats.map((s) => `stat.${s}`)];
  const lines = [head.map(quote).join(',')];
  for (const r of sorted) {
    const s = r.summary;
    lines.push([
      r.index, r.key, r.workload.name, r.workload.elf, JSON.stringify(r.workload.args), r.status, r.error?.kind, r.error?.message,
      s?.exitCode, s?.stop, r.outputSha256, s?.provenance.version, s?.provenance.elfSha256, s?.provenance.configHash, s?.wallSeconds,
      ...params.map((p) => r.config[p]), ...stats.map((n) => s?.stats[n]),
    ].map(quote).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

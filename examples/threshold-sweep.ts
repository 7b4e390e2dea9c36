/**
 * A sweep from a script, no CLI: hotness threshold × molecule width on two workloads, on all
 * cores, then the fastest configuration per workload and a report to open in a browser.
 *
 *   npx tsx examples/threshold-sweep.ts
 */
import { writeFileSync } from 'node:fs';
import { sweep, sweepReportHtml } from '../index.ts';

const { records } = await sweep({
  workloads: ['workloads/bin/crc32.elf', { elf: 'workloads/bin/sort.elf', args: ['2000'] }],
  axes: { 'tier.threshold': [5, 50, 500], 'vliw.width': [2, 4, 8] },
}, { onProgress: (p) => process.stderr.write(`\r${p.done}/${p.total} points`) });
for (const w of new Set(records.map((r) => r.workload.name))) {
  const best = records.filter((r) => r.workload.name === w && r.summary).sort((a, b) => a.summary!.cycles - b.summary!.cycles)[0]!;
  console.log(`\n${w}: fastest at ${JSON.stringify(best.params)}, ${best.summary!.cycles} cycles, IPC ${best.summary!.ipc.toFixed(3)}`);
}
writeFileSync('threshold-sweep.html', sweepReportHtml(records, { title: 'threshold × width' }));

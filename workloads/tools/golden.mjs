// Regenerates expected/<name>.out and expected/<name>.code for every "user" workload in
// manifest.json by running it under qemu-riscv32, the independent reference. Machine
// workloads' golden files are written by hand (see expected/README.md).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
let bad = 0;
for (const w of manifest.workloads) {
  if (w.platform !== 'user') continue;
  const r = spawnSync('qemu-riscv32', [join('bin', `${w.name}.elf`), ...w.args], { cwd: root, encoding: 'buffer' });
  if (r.error) throw r.error;
  writeFileSync(join(root, 'expected', `${w.name}.out`), r.stdout);
  writeFileSync(join(root, 'expected', `${w.name}.code`), `${r.status}\n`);
  const mark = r.status === w.expectedExitCode ? 'ok' : `MISMATCH (manifest says ${w.expectedExitCode})`;
  if (r.status !== w.expectedExitCode) bad++;
  console.log(`${w.name}: exit ${r.status}, ${r.stdout.length} bytes ${mark}`);
}
process.exit(bad ? 1 : 0);

/**
 * A tiny design-space experiment with morphsim as a library: how does the co-designed
 * machine's cycle count respond to molecule width and ALU slots on one workload?
 *
 *   node scripts/ts-run.mjs examples/width-sweep.ts [workloads/bin/matmul.elf]
 *
 * (`npx tsx` works too, but its loader spends ~10 s transforming binaryen, which the default
 * fast executor loads; scripts/ts-run.mjs imports binaryen natively first.)
 */
import { readFileSync } from 'node:fs';
import { createMachine, paramRegistry, parseElf } from '../index.ts';

const path = process.argv[2] ?? 'workloads/bin/matmul.elf';
const image = parseElf(readFileSync(path), path);

console.log('width  aluSlots      cycles     IPC   fill  exit%');
for (const width of [2, 4, 8]) {
  for (const aluSlots of [1, 2, 4]) {
    if (aluSlots > width) continue;
    const config = paramRegistry.resolve({ 'run.mode': 'translate', 'vliw.width': width, 'vliw.aluSlots': aluSlots });
    // createMachine loads binaryen for the default (fast) executor the first time it is needed.
    const r = (await createMachine(image, { config })).run();
    if (r.exitCode !== 0) throw new Error(`${path} exited ${r.exitCode}`);
    const ipc = r.instret / r.cycles;
    console.log(
      `${String(width).padStart(5)}  ${String(aluSlots).padStart(8)}  ${String(r.cycles).padStart(10)}  ${ipc.toFixed(3)}  ` +
      `${r.stats['exec.fill']!.toFixed(2)}  ${((100 * r.breakdown.exit) / r.cycles).toFixed(1).padStart(5)}`,
    );
  }
}

/**
 * What the optimizer's passes buy on tier-1 regions: for each user workload, run it in
 * `translate` mode, then re-lower every translation it made after O1 and after O2 and
 * count molecules (issue cycles, before stalls and exits) and atoms, weighted by how often
 * each translation ran. A static estimate; `npm run bench` measures whole runs.
 *
 *   node scripts/ts-run.mjs bench/optimizer-passes.ts [workload ...]
 */
import { readFileSync } from 'node:fs';
import { createMachine, machineDescFromConfig, paramRegistry, parseElf } from '../index.ts';
import { lowerRegion } from '../morph/optimizer/lower.ts';
import { optimizeRegion } from '../morph/optimizer/pipeline.ts';
import { PassRegistry } from '../morph/optimizer/passes.ts';
import { schedule } from '../morph/optimizer/schedule.ts';

interface Entry { name: string; platform: string; args: string[] }
const manifest = JSON.parse(readFileSync('workloads/manifest.json', 'utf8')) as { workloads: Entry[] };
const wanted = process.argv.slice(2);
const registry = PassRegistry.withDefaults();
const config = paramRegistry.resolve({ 'run.mode': 'translate' });
const m = machineDescFromConfig(config);

console.log('workload     translations   molecules O0 → O1 → O2 (weighted)     atoms O0 → O2');
for (const w of manifest.workloads.filter((x) => x.platform === 'user' && (wanted.length === 0 || wanted.includes(x.name)))) {
  const path = `workloads/bin/${w.name}.elf`;
  const machine = await createMachine(parseElf(readFileSync(path), path), {
    config, args: w.args, stdout: () => {}, stderr: () => {}, warn: () => {}, runtime: { keepDroppedWhole: Infinity }, // every translation's IR
  });
  machine.run();
  const sum = { mol: [0, 0, 0], atoms: [0, 0] };
  const history = machine.runtime!.tcache.history.whole();
  for (const t of history) {
    const n = t.code.execCount;
    ['O0', 'O1', 'O2'].forEach((level, k) => {
      const atoms = lowerRegion(optimizeRegion(t.region, { pipeline: level, registry }), m).atoms;
      sum.mol[k]! += n * schedule(atoms, m, m.numShadowed).length;
      if (k !== 1) sum.atoms[k === 0 ? 0 : 1]! += n * atoms.length;
    });
  }
  const r = (a: number, b: number): string => `${((100 * (b - a)) / a).toFixed(2)}%`;
  console.log(`${w.name.padEnd(12)} ${String(history.length).padStart(12)}   ${sum.mol[0]} → ${r(sum.mol[0]!, sum.mol[1]!)} → ${r(sum.mol[0]!, sum.mol[2]!)}     ${sum.atoms[0]} → ${r(sum.atoms[0]!, sum.atoms[1]!)}`);
}

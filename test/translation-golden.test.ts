// Code quality gated like correctness (STYLE.md points 10 and 11): for the hottest loops of
// several workloads, the guest code, the morph IR, the scheduled host molecules and the
// cycles per execution are kept as golden text. A change that turns 2 molecules into 3
// shows up here as a diff to review. Tier 2 is gated the same way: for every compute
// workload, the hottest optimized trace (`--mode optimize`) with its blocks, optimized IR,
// molecules, and cycles per execution and per loop iteration (test/golden/<name>.tier2.txt).
// Bless new expectations (both kinds) with:
//   MORPHSIM_BLESS=1 npx vitest run test/translation-golden.test.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../isa-guest/decode.ts';
import { disasm } from '../isa-guest/disasm.ts';
import { printHostCode } from '../isa-host-vliw/printer.ts';
import { printRegion } from '../morph/optimizer/ir.ts';
import { paramRegistry } from '../morph/config.ts';
import { GuestMachine } from '../morph/machine.ts';
import { image, ROOT, runWorkload, WORKLOADS } from './helpers/workloads.ts';

const HOT = ['crc32', 'matmul', 'bytecode', 'ptrchase', 'sort'];
const TOP = 3;

function report(name: string): string {
  const w = WORKLOADS.find((x) => x.name === name)!;
  const { machine, result } = runWorkload(w, { 'run.mode': 'translate' });
  const rt = machine.runtime!;
  const mem = machine.program.env.memory;
  const hot = rt.tcache.history.whole().sort((a, b) => b.code.execCount - a.code.execCount || a.entryPc - b.entryPc).slice(0, TOP);
  const out = [`# ${name}: the ${TOP} most executed translations (default configuration, --mode translate)`, ''];
  for (const t of hot) {
    const atoms = t.code.molecules.reduce((s, m) => s + m.atoms.length, 0);
    out.push(`## ${machine.image.symbolize(t.entryPc) ?? '?'} 0x${t.entryPc.toString(16)}..0x${t.endPc.toString(16)}: ` +
      `${t.guestInsns} guest insns, ${t.code.molecules.length} molecules, ${atoms} atoms, ` +
      `${(t.code.cycles / t.code.execCount).toFixed(2)} cycles/execution`);
    for (let pc = t.entryPc; pc < t.endPc; pc += 4) out.push(`  ${pc.toString(16)}: ${disasm(decode(mem.load32(pc))!, pc)}`);
    out.push(printRegion(t.region), printHostCode(t.code).trimEnd(), '');
  }
  out.push(`total: ${result.instret} insns, ${result.cycles} cycles`);
  return out.join('\n') + '\n';
}

/** Compare with test/golden/<file>, or write it when blessing (or when it is new). */
function expectGolden(file: string, text: string): void {
  const path = join(ROOT, 'test/golden', file);
  if (process.env['MORPHSIM_BLESS'] === '1' || !existsSync(path)) writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

describe('golden translations of hot loops', () => {
  for (const name of HOT) it(name, () => expectGolden(`${name}.translations.txt`, report(name)));
});

/** The compute workloads (as in bench/ipc.ts), and the instructions run to find their hot trace. */
const COMPUTE = ['loops', 'crc32', 'muldiv', 'recursion', 'ptrchase', 'bytecode', 'strings', 'sort', 'matmul', 'malloc'];
const TIER2_INSNS = 4_000_000;

function tier2Report(name: string): string {
  const w = WORKLOADS.find((x) => x.name === name)!;
  const machine = new GuestMachine(image(`workloads/bin/${name}.elf`), {
    config: paramRegistry.resolve({ 'run.mode': 'optimize' }), args: w.args, warn: () => {},
  });
  const result = machine.run(TIER2_INSNS);
  const rt = machine.runtime!;
  const mem = machine.program.env.memory;
  const t = rt.tcache.history.whole().filter((x) => x.tier === 2).sort((a, b) => b.code.cycles - a.code.cycles || a.id - b.id)[0];
  const out = [`# ${name}: the tier-2 translation with the most cycles in the first ${TIER2_INSNS} instructions (default configuration, --mode optimize)`, ''];
  if (!t) return [...out, 'no tier-2 translation', ''].join('\n');
  const atoms = t.code.molecules.reduce((s, m) => s + m.atoms.length, 0);
  const copies = t.blocks.filter((b) => b === t.entryPc).length;
  const perExec = t.code.cycles / t.code.execCount;
  out.push(`## ${machine.image.symbolize(t.entryPc) ?? '?'} 0x${t.entryPc.toString(16)}: ${t.blocks.length} blocks, ${t.guestInsns} guest insns, ` +
    `${t.code.molecules.length} molecules, ${atoms} atoms; ${perExec.toFixed(2)} cycles/execution, ` +
    `${(perExec / copies).toFixed(2)} cycles/iteration (${copies} ${copies === 1 ? 'copy' : 'copies'} of the head block), ` +
    `${(perExec / t.guestInsns).toFixed(3)} cycles/guest insn`);
  out.push(`history: ${t.history.map((h) => `v${h.version} tier ${h.tier} ${h.reason}`).join(', ')}; speculation: memory ${t.speculation.memory}, control ${t.speculation.control}`);
  for (const [lo, hi] of t.ranges) for (let pc = lo; pc < hi; pc += 4) out.push(`  ${pc.toString(16)}: ${disasm(decode(mem.load32(pc))!, pc)}`);
  out.push(`blocks: ${t.blocks.map((b) => b.toString(16)).join(' ')}`);
  out.push(printRegion(t.region), printHostCode(t.code).trimEnd(), '');
  out.push(`total: ${result.instret} insns, ${result.cycles} cycles`);
  return out.join('\n') + '\n';
}

describe('golden tier-2 traces of the compute workloads', () => {
  for (const name of COMPUTE) it(name, () => expectGolden(`${name}.tier2.txt`, tier2Report(name)));
});

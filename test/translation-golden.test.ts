// Code quality gated like correctness (STYLE.md points 10 and 11): for the hottest loops of
// several workloads, the guest code, the morph IR, the scheduled host molecules and the
// cycles per execution are kept as golden text. A change that turns 2 molecules into 3
// shows up here as a diff to review. Bless new expectations with:
//   MORPHSIM_BLESS=1 npx vitest run test/translation-golden.test.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from '../isa-guest/decode.ts';
import { disasm } from '../isa-guest/disasm.ts';
import { printHostCode } from '../isa-host-vliw/printer.ts';
import { printRegion } from '../morph/optimizer/ir.ts';
import { ROOT, runWorkload, WORKLOADS } from './helpers/workloads.ts';

const HOT = ['crc32', 'matmul', 'bytecode', 'ptrchase', 'sort'];
const TOP = 3;

function report(name: string): string {
  const w = WORKLOADS.find((x) => x.name === name)!;
  const { machine, result } = runWorkload(w, { 'run.mode': 'translate' });
  const rt = machine.runtime!;
  const mem = machine.program.env.memory;
  const hot = [...rt.tcache.history].sort((a, b) => b.code.execCount - a.code.execCount || a.entryPc - b.entryPc).slice(0, TOP);
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

describe('golden translations of hot loops', () => {
  for (const name of HOT) {
    it(name, () => {
      const text = report(name);
      const file = join(ROOT, 'test/golden', `${name}.translations.txt`);
      if (process.env['MORPHSIM_BLESS'] === '1' || !existsSync(file)) writeFileSync(file, text);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
});

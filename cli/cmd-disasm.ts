/** `morphsim disasm`: the executable segments of an ELF, one instruction per line, with symbols. */
import { decode } from '../isa-guest/decode.ts';
import { disasm } from '../isa-guest/disasm.ts';
import { PF_X } from '../isa-guest/elf.ts';
import { readElf } from './elf-file.ts';

export function disasmCommand(path: string): void {
  const { image } = readElf(path);
  const sym = (a: number): string | undefined => image.symbolize(a);
  const out: string[] = [];
  // Bare-metal files may carry p_flags = 0 everywhere (upstream riscv-tests): then show all.
  const anyX = image.segments.some((s) => (s.flags & PF_X) !== 0);
  for (const seg of image.segments) {
    if (anyX && (seg.flags & PF_X) === 0) continue;
    const words = Math.floor(seg.data.length / 4);
    const view = new DataView(seg.data.buffer, seg.data.byteOffset, seg.data.byteLength);
    for (let i = 0; i < words; i++) {
      const pc = (seg.vaddr + 4 * i) >>> 0;
      const s = sym(pc);
      if (s && !s.includes('+')) out.push('', `${pc.toString(16).padStart(8, '0')} <${s}>:`);
      const raw = view.getUint32(4 * i, true);
      const d = decode(raw);
      const text = d ? disasm(d, pc, sym) : `.word 0x${raw.toString(16).padStart(8, '0')}`;
      out.push(`${pc.toString(16).padStart(8, ' ')}:\t${raw.toString(16).padStart(8, '0')}\t${text}`);
    }
  }
  process.stdout.write(out.join('\n').replace(/^\n/, '') + '\n');
}

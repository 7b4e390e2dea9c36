/** Reading an ELF named on the command line: missing or unreadable files are usage errors. */
import { fsReason, readInput } from '../core/fsutil.ts';
import { parseElf, type ElfImage } from '../isa-guest/elf.ts';

export { fsReason };

export function readElf(path: string): { bytes: Uint8Array; image: ElfImage } {
  const bytes = readInput(path, '');
  return { bytes, image: parseElf(bytes, path) };
}

/**
 * ELF loader: parses a static ELF32 little-endian RISC-V executable into its loadable
 * segments, entry point and symbols (System V gABI, "ELF-64 Object File Format" tables for
 * the 32-bit class; RISC-V psABI for e_machine and e_flags).
 *
 * The input is untrusted: every offset and size is checked against the file length before
 * it is read, every count is bounded by the file size, and every rejection is one
 * UsageError naming the file (the CLI prints it and exits 2), never a stack trace or a hang.
 * The image is immutable so that one parse can be loaded into several machines.
 */
import { UsageError } from '../core/errors.ts';

/** p_flags bits. */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

const EHDR_SIZE = 52;
const PHDR_SIZE = 32;
const SHDR_SIZE = 40;
const SYM_SIZE = 16;

const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;
const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_CORE = 4;
export const EM_RISCV = 243;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_PHDR = 6;
const SHT_SYMTAB = 2;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
/** STT_NOTYPE, STT_OBJECT, STT_FUNC; other types (section, file, TLS, ...) are not names of code or data. */
const SYMBOL_TYPES: readonly (SymbolType | undefined)[] = ['notype', 'object', 'func'];
/** STB_LOCAL, STB_GLOBAL, STB_WEAK. */
const SYMBOL_BINDS: readonly (SymbolBind | undefined)[] = ['local', 'global', 'weak'];

/** e_flags of the RISC-V psABI. */
const EF_RISCV_RVC = 0x1;
const EF_RISCV_FLOAT_ABI = 0x6;
const EF_RISCV_RVE = 0x8;

/** e_machine values one is likely to be handed by mistake, for a helpful message. */
const MACHINE_NAMES: Readonly<Record<number, string>> = {
  2: 'SPARC', 3: 'x86 (i386)', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 'S/390',
  40: 'ARM', 43: 'SPARC V9', 50: 'IA-64', 62: 'x86-64', 183: 'AArch64', 247: 'BPF', 258: 'LoongArch',
};

export type SymbolType = 'notype' | 'object' | 'func';
export type SymbolBind = 'local' | 'global' | 'weak';

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  readonly type: SymbolType;
  readonly bind: SymbolBind;
}

/** A PT_LOAD segment. `data` holds its `filesz` file bytes; the rest up to `memsz` is zero (bss). */
export interface ElfSegment {
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
  /** PF_R | PF_W | PF_X. */
  readonly flags: number;
  readonly data: Uint8Array;
}

/** Where the program headers are, for the user platform's AT_PHDR/AT_PHENT/AT_PHNUM. */
export interface ProgramHeaderInfo {
  /** Guest address of the program header table in the loaded image, or 0 if it is not loaded. */
  readonly vaddr: number;
  readonly entsize: number;
  readonly num: number;
}

const TYPE_RANK: Readonly<Record<SymbolType, number>> = { notype: 0, object: 1, func: 2 };
const BIND_RANK: Readonly<Record<SymbolBind, number>> = { local: 0, weak: 1, global: 2 };

export class ElfImage {
  /** Symbols sorted by value; at equal values the preferred name (func, global) comes last. */
  private readonly byAddr: readonly ElfSymbol[];
  private readonly byName: ReadonlyMap<string, ElfSymbol>;

  constructor(
    /** The file name as the user gave it (messages, argv[0]). */
    readonly name: string,
    readonly entry: number,
    readonly segments: readonly ElfSegment[],
    readonly symbols: readonly ElfSymbol[],
    readonly phdr: ProgramHeaderInfo,
    /** e_flags EF_RISCV_RVC: the code may contain compressed instructions (see loadProgram). */
    readonly rvc: boolean = false,
  ) {
    this.byAddr = [...symbols].sort((a, b) =>
      a.value - b.value || TYPE_RANK[a.type] - TYPE_RANK[b.type] || BIND_RANK[a.bind] - BIND_RANK[b.bind] ||
      (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    const byName = new Map<string, ElfSymbol>();
    // A global definition wins over a local one of the same name (static functions may repeat).
    for (const s of this.byAddr) {
      const old = byName.get(s.name);
      if (!old || BIND_RANK[s.bind] > BIND_RANK[old.bind]) byName.set(s.name, s);
    }
    this.byName = byName;
  }

  /** The symbol called `name` (globals preferred), e.g. `tohost`. */
  symbol(name: string): ElfSymbol | undefined {
    return this.byName.get(name);
  }

  /**
   * `name` or `name+0x10` for a guest address: the symbol whose [value, value+size) holds it,
   * or, for size-less labels (assembly), the nearest label at or below it within the same
   * segment. undefined when nothing names the address.
   */
  symbolize(addr: number): string | undefined {
    const a = addr >>> 0;
    const syms = this.byAddr;
    let lo = 0;
    let hi = syms.length; // first index with value > a
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (syms[mid]!.value <= a) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    const s = syms[lo - 1]!;
    if (s.size > 0 ? a - s.value >= s.size : this.segmentOf(a) !== this.segmentOf(s.value)) return undefined;
    return a === s.value ? s.name : `${s.name}+0x${(a - s.value).toString(16)}`;
  }

  /** The loadable segment holding guest address `a`, if any. */
  segmentOf(a: number): ElfSegment | undefined {
    return this.segments.find((g) => a >= g.vaddr && a - g.vaddr < g.memsz);
  }
}

/** Parse an ELF file. `name` is used in messages. Throws UsageError for anything we cannot run. */
export function parseElf(bytes: Uint8Array, name: string): ElfImage {
  const fail = (what: string): never => {
    throw new UsageError(`${name}: ${what}`);
  };
  const len = bytes.length;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  /** Is [off, off+size) inside the file? (sizes are < 2^32, so the sum is exact in a double) */
  const inFile = (off: number, size: number): boolean => off + size <= len;

  if (len < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    fail('not an ELF file (bad magic number)');
  if (!inFile(0, EHDR_SIZE)) fail(`truncated ELF header (${len} bytes, need ${EHDR_SIZE})`);
  if (bytes[4] === ELFCLASS64) fail('is a 64-bit ELF; morphsim runs RV32 (build with -march=rv32im -mabi=ilp32)');
  if (bytes[4] !== ELFCLASS32) fail(`unknown ELF class ${bytes[4]}`);
  if (bytes[5] === ELFDATA2MSB) fail('is a big-endian ELF; RISC-V is little-endian');
  if (bytes[5] !== ELFDATA2LSB) fail(`unknown ELF data encoding ${bytes[5]}`);

  const u16 = (off: number) => dv.getUint16(off, true);
  const u32 = (off: number) => dv.getUint32(off, true);
  const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

  const eType = u16(16);
  const eMachine = u16(18);
  if (eMachine !== EM_RISCV) {
    const m = MACHINE_NAMES[eMachine];
    fail(m ? `is an ELF for ${m}, not RISC-V` : `is an ELF for machine ${eMachine}, not RISC-V (${EM_RISCV})`);
  }
  if (eType !== ET_EXEC) {
    const why = eType === ET_REL ? 'a relocatable object (.o); link it into an executable'
      : eType === ET_DYN ? 'a position-independent executable or shared library (ET_DYN); link with -static -no-pie'
      : eType === ET_CORE ? 'a core dump' : `of ELF type ${eType}`;
    fail(`is ${why}; morphsim runs static executables (ET_EXEC)`);
  }
  const eFlags = u32(36);
  if (eFlags & EF_RISCV_RVE) fail('uses the RV32E base (16 registers); morphsim runs RV32I');
  if (eFlags & EF_RISCV_FLOAT_ABI) fail('uses a hardware floating-point ABI; morphsim runs RV32IM: build with -mabi=ilp32');

  const entry = u32(24);
  const phoff = u32(28);
  const shoff = u32(32);
  const phentsize = u16(42);
  const phnum = u16(44);
  const shentsize = u16(46);
  const shnum = u16(48);

  // ---- program headers ----
  if (phnum === 0) fail('has no program headers (nothing to load)');
  if (phentsize !== PHDR_SIZE) fail(`has program headers of ${phentsize} bytes, expected ${PHDR_SIZE}`);
  if (!inFile(phoff, phnum * PHDR_SIZE)) fail(`truncated program headers (${phnum} at offset ${hex(phoff)}, file is ${len} bytes)`);

  const segments: ElfSegment[] = [];
  let phdrVaddr: number | undefined;
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * PHDR_SIZE;
    const type = u32(p);
    if (type === PT_INTERP || type === PT_DYNAMIC) fail('is dynamically linked; morphsim runs static executables (link with -static)');
    if (type === PT_PHDR) phdrVaddr = u32(p + 8);
    if (type !== PT_LOAD) continue;
    const offset = u32(p + 4);
    const vaddr = u32(p + 8);
    const filesz = u32(p + 16);
    const memsz = u32(p + 20);
    const flags = u32(p + 24);
    const where = `segment ${i} (${hex(vaddr)})`;
    if (filesz > memsz) fail(`${where} has filesz ${filesz} larger than memsz ${memsz}`);
    if (vaddr + memsz > 2 ** 32) fail(`${where} of ${memsz} bytes wraps past the 4 GiB top of the address space`);
    if (!inFile(offset, filesz)) fail(`truncated segment data: ${where} needs bytes ${hex(offset)}..${hex(offset + filesz)}, file is ${len} bytes`);
    if (memsz === 0) continue;
    segments.push({ vaddr, filesz, memsz, flags, data: bytes.slice(offset, offset + filesz) });
    if (phdrVaddr === undefined && phoff >= offset && phoff + phnum * PHDR_SIZE <= offset + filesz)
      phdrVaddr = vaddr + (phoff - offset);
  }
  if (segments.length === 0) fail('has no loadable (PT_LOAD) segments');
  segments.sort((a, b) => a.vaddr - b.vaddr);
  for (let i = 1; i < segments.length; i++) {
    const a = segments[i - 1]!;
    const b = segments[i]!;
    if (a.vaddr + a.memsz > b.vaddr)
      fail(`segments overlap: ${hex(a.vaddr)}..${hex(a.vaddr + a.memsz)} and ${hex(b.vaddr)}..${hex(b.vaddr + b.memsz)}`);
  }

  // ---- entry ----
  if (entry === 0) fail('has no entry point (e_entry is 0)');
  if (entry & 3) fail(`entry point ${hex(entry)} is not 4-byte aligned`);
  // Segment permissions are the platform's business (loadProgram): Spike and QEMU's
  // -kernel loader ignore p_flags, and upstream riscv-tests binaries carry p_flags = 0.
  if (!segments.some((s) => entry >= s.vaddr && entry - s.vaddr < s.memsz))
    fail(`entry point ${hex(entry)} is not inside any loadable segment`);

  // ---- symbols (optional: a stripped file has none) ----
  const symbols: ElfSymbol[] = [];
  if (shoff !== 0 && shnum !== 0) {
    if (shentsize !== SHDR_SIZE) fail(`has section headers of ${shentsize} bytes, expected ${SHDR_SIZE}`);
    if (!inFile(shoff, shnum * SHDR_SIZE)) fail(`truncated section headers (${shnum} at offset ${hex(shoff)}, file is ${len} bytes)`);
    for (let i = 0; i < shnum; i++) {
      const sh = shoff + i * SHDR_SIZE;
      if (u32(sh + 4) !== SHT_SYMTAB) continue;
      const symOff = u32(sh + 16);
      const symSize = u32(sh + 20);
      const link = u32(sh + 24);
      if (!inFile(symOff, symSize)) fail(`truncated symbol table (section ${i})`);
      if (link >= shnum) fail(`symbol table (section ${i}) names a string table ${link} that does not exist`);
      const strSh = shoff + link * SHDR_SIZE;
      const strOff = u32(strSh + 16);
      const strSize = u32(strSh + 20);
      if (!inFile(strOff, strSize)) fail(`truncated string table (section ${link})`);
      const decoder = new TextDecoder();
      const nameAt = (off: number): string => {
        if (off >= strSize) fail(`symbol name offset ${off} outside its string table (section ${link})`);
        const start = strOff + off;
        const end = bytes.indexOf(0, start);
        if (end < 0 || end >= strOff + strSize) fail(`unterminated symbol name in string table (section ${link})`);
        return decoder.decode(bytes.subarray(start, end));
      };
      const count = Math.floor(symSize / SYM_SIZE);
      for (let k = 1; k < count; k++) { // entry 0 is the reserved null symbol
        const s = symOff + k * SYM_SIZE;
        const info = bytes[s + 12]!;
        const shndx = u16(s + 14);
        const type = SYMBOL_TYPES[info & 0xf];
        const bind = SYMBOL_BINDS[info >> 4];
        // Defined code/data symbols only: no section or file symbols, nothing undefined,
        // absolute or common (the reserved section indices).
        if (!type || !bind || shndx === SHN_UNDEF || shndx >= SHN_LORESERVE) continue;
        const symName = nameAt(u32(s));
        // Skip unnamed symbols, compiler-local labels and the psABI's $x/$d mapping symbols.
        if (symName === '' || symName.startsWith('.L') || symName.startsWith('$')) continue;
        symbols.push({ name: symName, value: u32(s + 4), size: u32(s + 8), type, bind });
      }
    }
  }

  return new ElfImage(name, entry, segments, symbols, {
    vaddr: phdrVaddr ?? 0,
    entsize: PHDR_SIZE,
    num: phnum,
  }, (eFlags & EF_RISCV_RVC) !== 0);
}

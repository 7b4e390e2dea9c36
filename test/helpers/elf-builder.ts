/**
 * A tiny ELF32 writer for tests: builds executables (or deliberately broken ones) byte by
 * byte from the gABI layouts, independently of the parser under test. Layout:
 * ELF header | program headers | segment data | symtab | strtab | section headers.
 */

export interface SegmentSpec {
  vaddr: number;
  data: Uint8Array;
  /** Defaults to data.length. */
  memsz?: number;
  /** PF_R=4, PF_W=2, PF_X=1; default R+X. */
  flags?: number;
  /** PT_LOAD (1) by default. */
  type?: number;
}

export interface SymbolSpec {
  name: string;
  value: number;
  size?: number;
  /** STT_*: 0 notype, 1 object, 2 func, 3 section, 4 file. Default func. */
  type?: number;
  /** STB_*: 0 local, 1 global, 2 weak. Default global. */
  bind?: number;
  /** Section index; default 1 (some defined section). */
  shndx?: number;
}

export interface ElfSpec {
  entry: number;
  segments: SegmentSpec[];
  symbols?: SymbolSpec[];
  elfClass?: number;
  data?: number;
  type?: number;
  machine?: number;
  flags?: number;
  phentsize?: number;
}

export interface BuiltElf {
  bytes: Uint8Array;
  /** File offsets of interesting parts, for corruption tests. */
  phoff: number;
  shoff: number;
  segmentOffsets: number[];
}

export function buildElf(spec: ElfSpec): BuiltElf {
  const phnum = spec.segments.length;
  const phoff = 52;
  let off = phoff + phnum * 32;
  const segmentOffsets: number[] = [];
  for (const s of spec.segments) {
    off = (off + 3) & ~3;
    segmentOffsets.push(off);
    off += s.data.length;
  }
  // string table and symbol table
  const strParts: number[] = [0];
  const nameOff = (name: string): number => {
    const at = strParts.length;
    for (const ch of Buffer.from(name, 'utf8')) strParts.push(ch);
    strParts.push(0);
    return at;
  };
  const syms = spec.symbols ?? [];
  const symBytes = new Uint8Array(16 * (syms.length + 1));
  const symView = new DataView(symBytes.buffer);
  syms.forEach((s, i) => {
    const o = 16 * (i + 1);
    symView.setUint32(o, nameOff(s.name), true);
    symView.setUint32(o + 4, s.value >>> 0, true);
    symView.setUint32(o + 8, s.size ?? 0, true);
    symBytes[o + 12] = ((s.bind ?? 1) << 4) | (s.type ?? 2);
    symView.setUint16(o + 14, s.shndx ?? 1, true);
  });
  const strtab = Uint8Array.from(strParts);
  off = (off + 3) & ~3;
  const symOff = off;
  off += symBytes.length;
  const strOff = off;
  off += strtab.length;
  off = (off + 3) & ~3;
  const shoff = syms.length > 0 ? off : 0;
  const shnum = syms.length > 0 ? 3 : 0;
  const total = off + shnum * 40;

  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, spec.elfClass ?? 1, spec.data ?? 1, 1]);
  v.setUint16(16, spec.type ?? 2, true);
  v.setUint16(18, spec.machine ?? 243, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, spec.entry >>> 0, true);
  v.setUint32(28, phoff, true);
  v.setUint32(32, shoff, true);
  v.setUint32(36, spec.flags ?? 0, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, spec.phentsize ?? 32, true);
  v.setUint16(44, phnum, true);
  v.setUint16(46, 40, true);
  v.setUint16(48, shnum, true);
  v.setUint16(50, 0, true);
  spec.segments.forEach((s, i) => {
    const p = phoff + 32 * i;
    v.setUint32(p, s.type ?? 1, true);
    v.setUint32(p + 4, segmentOffsets[i]!, true);
    v.setUint32(p + 8, s.vaddr >>> 0, true);
    v.setUint32(p + 12, s.vaddr >>> 0, true);
    v.setUint32(p + 16, s.data.length, true);
    v.setUint32(p + 20, s.memsz ?? s.data.length, true);
    v.setUint32(p + 24, s.flags ?? 5, true);
    v.setUint32(p + 28, 0x1000, true);
    bytes.set(s.data, segmentOffsets[i]!);
  });
  if (shnum > 0) {
    bytes.set(symBytes, symOff);
    bytes.set(strtab, strOff);
    // section 1: .symtab (link -> 2), section 2: .strtab
    const s1 = shoff + 40;
    v.setUint32(s1 + 4, 2, true);
    v.setUint32(s1 + 16, symOff, true);
    v.setUint32(s1 + 20, symBytes.length, true);
    v.setUint32(s1 + 24, 2, true);
    v.setUint32(s1 + 36, 16, true);
    const s2 = shoff + 80;
    v.setUint32(s2 + 4, 3, true);
    v.setUint32(s2 + 16, strOff, true);
    v.setUint32(s2 + 20, strtab.length, true);
  }
  return { bytes, phoff, shoff, segmentOffsets };
}

/** Little-endian bytes of 32-bit words (instructions, data). */
export function words(...ws: number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const v = new DataView(out.buffer);
  ws.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

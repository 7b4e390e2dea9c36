/**
 * ELF loader: a good file parses to the segments, entry and symbols the builder wrote;
 * every kind of bad input is one UsageError naming the file and the problem, and hostile
 * or corrupted files never produce anything else.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { parseElf, PF_R, PF_W, PF_X } from '../isa-guest/elf.ts';
import { buildElf, words, type ElfSpec } from './helpers/elf-builder.ts';

const TEXT = 0x10000;
const DATA = 0x11000;

function goodSpec(): ElfSpec {
  return {
    entry: TEXT + 8,
    segments: [
      { vaddr: TEXT, data: words(0x00000013, 0x00000013, 0x00100513, 0x05d00893, 0x00000073), flags: PF_R | PF_X },
      { vaddr: DATA, data: words(0xdeadbeef), memsz: 0x100, flags: PF_R | PF_W },
    ],
    symbols: [
      { name: '_start', value: TEXT + 8, size: 12, type: 2 },
      { name: 'helper', value: TEXT, size: 8, type: 2, bind: 0 },
      { name: 'counter', value: DATA, size: 4, type: 1 },
      { name: 'label', value: DATA + 0x10, size: 0, type: 0 },
      { name: 'file.c', value: 0, type: 4, shndx: 0xfff1 },
      { name: '.text', value: TEXT, type: 3 },
      { name: '.L42', value: TEXT + 4, type: 0 },
      { name: '$x', value: TEXT, type: 0, bind: 0 },
      { name: 'undef', value: 0, type: 2, shndx: 0 },
    ],
  };
}

/** The UsageError message parseElf throws for `bytes` (fails the test if it does not throw one). */
function rejection(bytes: Uint8Array, name = 'prog.elf'): string {
  try {
    parseElf(bytes, name);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    const msg = (e as Error).message;
    expect(msg.startsWith(`${name}: `)).toBe(true);
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error('expected parseElf to reject the file');
}

function patched(bytes: Uint8Array, at: number, value: number, size: 1 | 2 | 4): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  if (size === 1) out[at] = value;
  else if (size === 2) v.setUint16(at, value, true);
  else v.setUint32(at, value >>> 0, true);
  return out;
}

describe('parseElf: a good executable', () => {
  const built = buildElf(goodSpec());
  const img = parseElf(built.bytes, 'good.elf');

  it('reads entry and PT_LOAD segments with their data and bss size', () => {
    expect(img.name).toBe('good.elf');
    expect(img.entry).toBe(TEXT + 8);
    expect(img.segments.map((s) => [s.vaddr, s.filesz, s.memsz, s.flags])).toEqual([
      [TEXT, 20, 20, PF_R | PF_X],
      [DATA, 4, 0x100, PF_R | PF_W],
    ]);
    expect([...img.segments[1]!.data]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(img.phdr).toEqual({ vaddr: 0, entsize: 32, num: 2 }); // headers not inside a segment here
  });

  it('keeps its own copy of segment data', () => {
    const bytes = buildElf(goodSpec()).bytes;
    const copy = parseElf(bytes, 'x');
    bytes.fill(0);
    expect(copy.segments[0]!.data[8]).toBe(0x13);
  });

  it('keeps defined function/object/label symbols and drops sections, files, locals labels, mapping and undefined symbols', () => {
    expect(img.symbols.map((s) => s.name).sort()).toEqual(['_start', 'counter', 'helper', 'label']);
    expect(img.symbol('counter')).toEqual({ name: 'counter', value: DATA, size: 4, type: 'object', bind: 'global' });
    expect(img.symbol('helper')?.bind).toBe('local');
    expect(img.symbol('missing')).toBeUndefined();
  });

  it('symbolizes addresses inside sized symbols and after size-less labels in the same segment', () => {
    expect(img.symbolize(TEXT)).toBe('helper');
    expect(img.symbolize(TEXT + 4)).toBe('helper+0x4');
    expect(img.symbolize(TEXT + 8)).toBe('_start');
    expect(img.symbolize(TEXT + 0x10)).toBe('_start+0x8');
    expect(img.symbolize(TEXT + 0x14)).toBeUndefined(); // past _start's 12 bytes
    expect(img.symbolize(DATA + 2)).toBe('counter+0x2');
    expect(img.symbolize(DATA + 4)).toBeUndefined(); // past counter, before label
    expect(img.symbolize(DATA + 0x10)).toBe('label');
    expect(img.symbolize(DATA + 0x30)).toBe('label+0x20');
    expect(img.symbolize(DATA + 0x100)).toBeUndefined(); // label does not reach past its segment
    expect(img.symbolize(TEXT - 4)).toBeUndefined();
  });

  it('prefers a function over a label at the same address', () => {
    const spec = goodSpec();
    spec.symbols = [{ name: 'a_label', value: TEXT, type: 0 }, { name: 'fn', value: TEXT, size: 20, type: 2 }];
    expect(parseElf(buildElf(spec).bytes, 'x').symbolize(TEXT + 4)).toBe('fn+0x4');
  });

  it('takes AT_PHDR from PT_PHDR when present', () => {
    const spec = goodSpec();
    spec.segments.push({ vaddr: TEXT + 0x34, data: new Uint8Array(0), type: 6 });
    expect(parseElf(buildElf(spec).bytes, 'x').phdr).toEqual({ vaddr: TEXT + 0x34, entsize: 32, num: 3 });
  });

  it('parses a stripped file (no section headers) with no symbols', () => {
    const spec = goodSpec();
    delete spec.symbols;
    const stripped = parseElf(buildElf(spec).bytes, 'x');
    expect(stripped.symbols).toEqual([]);
    expect(stripped.symbolize(TEXT)).toBeUndefined();
  });
});

describe('parseElf: rejections', () => {
  const good = buildElf(goodSpec());
  const withSpec = (f: (s: ElfSpec) => void): Uint8Array => {
    const s = goodSpec();
    f(s);
    return buildElf(s).bytes;
  };

  it('not an ELF', () => {
    expect(rejection(new TextEncoder().encode('#!/bin/sh\necho hi\n'))).toMatch(/not an ELF file \(bad magic/);
    expect(rejection(new Uint8Array(0))).toMatch(/not an ELF/);
    expect(rejection(good.bytes.slice(0, 20))).toMatch(/truncated ELF header/);
  });

  it('wrong class, byte order or machine', () => {
    expect(rejection(patched(good.bytes, 4, 2, 1))).toMatch(/is a 64-bit ELF; morphsim runs RV32/);
    expect(rejection(patched(good.bytes, 5, 2, 1))).toMatch(/big-endian/);
    expect(rejection(patched(good.bytes, 18, 62, 2))).toMatch(/is an ELF for x86-64, not RISC-V/);
    expect(rejection(patched(good.bytes, 18, 183, 2))).toMatch(/is an ELF for AArch64, not RISC-V/);
    expect(rejection(patched(good.bytes, 18, 999, 2))).toMatch(/machine 999, not RISC-V/);
  });

  it('not a static executable', () => {
    expect(rejection(patched(good.bytes, 16, 1, 2))).toMatch(/relocatable object/);
    expect(rejection(patched(good.bytes, 16, 3, 2))).toMatch(/ET_DYN.*-no-pie/);
    expect(rejection(withSpec((s) => s.segments.push({ vaddr: 0, data: new Uint8Array(4), type: 3 }))))
      .toMatch(/dynamically linked/);
  });

  it('ISA variants morphsim does not run', () => {
    // EF_RISCV_RVC is not one of them: it only says compressed code may be present (the
    // official rv32mi-p-ma_fetch has some it never executes); loadProgram warns instead.
    expect(parseElf(patched(good.bytes, 36, 0x1, 4), 'prog.elf').rvc).toBe(true);
    expect(parseElf(good.bytes, 'prog.elf').rvc).toBe(false);
    expect(rejection(patched(good.bytes, 36, 0x4, 4))).toMatch(/floating-point ABI/);
    expect(rejection(patched(good.bytes, 36, 0x8, 4))).toMatch(/RV32E/);
  });

  it('truncated program headers, segment data, section headers', () => {
    expect(rejection(good.bytes.slice(0, good.phoff + 40))).toMatch(/truncated program headers/);
    expect(rejection(good.bytes.slice(0, good.segmentOffsets[1]! + 2))).toMatch(/truncated segment data: segment 1/);
    expect(rejection(good.bytes.slice(0, good.shoff + 50))).toMatch(/truncated section headers/);
    expect(rejection(patched(good.bytes, 42, 56, 2))).toMatch(/program headers of 56 bytes/);
  });

  it('hostile sizes are checked, not trusted', () => {
    expect(rejection(patched(good.bytes, 44, 0xffff, 2))).toMatch(/truncated program headers/);
    expect(rejection(patched(good.bytes, good.phoff + 16, 0xffffffff, 4))).toMatch(/filesz 4294967295 larger than memsz|truncated/);
    const hugeBoth = patched(patched(good.bytes, good.phoff + 16, 0xfffffff0, 4), good.phoff + 20, 0xfffffff0, 4);
    expect(rejection(hugeBoth)).toMatch(/wraps past the 4 GiB|truncated segment data/);
    expect(rejection(patched(good.bytes, good.phoff + 4, 0xfffffff0, 4))).toMatch(/truncated segment data/);
    expect(rejection(patched(good.bytes, good.shoff + 40 + 20, 0xfffffff0, 4))).toMatch(/truncated symbol table/);
    expect(rejection(patched(good.bytes, good.shoff + 40 + 24, 77, 4))).toMatch(/string table 77 that does not exist/);
  });

  it('segment geometry', () => {
    expect(rejection(withSpec((s) => { s.segments[1]!.memsz = 2; }))).toMatch(/filesz 4 larger than memsz 2/);
    expect(rejection(withSpec((s) => { s.segments[1]!.vaddr = TEXT + 0x10; }))).toMatch(/segments overlap: 0x10000\.\.0x10014 and 0x10010/);
    expect(rejection(withSpec((s) => { s.segments[1] = { vaddr: 0xfffff000, data: new Uint8Array(4), memsz: 0x2000, flags: PF_R }; })))
      .toMatch(/wraps past the 4 GiB top/);
    expect(rejection(withSpec((s) => { s.segments = [{ vaddr: 0, data: new Uint8Array(4), type: 4 }]; s.entry = 4; })))
      .toMatch(/no loadable \(PT_LOAD\) segments/);
  });

  it('entry point', () => {
    expect(rejection(withSpec((s) => { s.entry = 0; }))).toMatch(/no entry point/);
    // Inside a segment without PF_X parses (the platform decides: test/compat-elsewhere.test.ts).
    expect(parseElf(withSpec((s) => { s.entry = DATA; }), 'x').entry).toBe(DATA);
    expect(rejection(withSpec((s) => { s.entry = 0x40000; }))).toMatch(/entry point 0x40000 is not inside any loadable segment/);
    expect(rejection(withSpec((s) => { s.entry = TEXT + 2; }))).toMatch(/not 4-byte aligned/);
  });

  it('every truncation and corruption of a good file is a UsageError or a successful parse, never a crash', () => {
    const bytes = good.bytes;
    for (let n = 0; n < bytes.length; n++) {
      try { parseElf(bytes.subarray(0, n), 't'); } catch (e) { expect(e).toBeInstanceOf(UsageError); }
    }
    // Deterministic corruption: flip one header/table byte at a time to several values.
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let k = 0; k < 3000; k++) {
      const c = bytes.slice();
      const at = next() % bytes.length;
      c[at] = next() & 0xff;
      if (k % 3 === 0) c[next() % bytes.length] = 0xff;
      try { parseElf(c, 't'); } catch (e) { expect(e).toBeInstanceOf(UsageError); }
    }
  });
});

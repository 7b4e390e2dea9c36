/**
 * The two guest platforms, driven the way guest code drives them: syscalls through
 * env.ecall with registers, devices through Memory loads and stores. Expected values are
 * worked out by hand from the Linux ABI (struct layouts, errno values, auxv tags), the
 * SiFive CLINT and 16550 register maps and Spike's HTIF protocol.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { ParamRegistry, type Config } from '../core/params.ts';
import { Clint } from '../isa-guest/devices.ts';
import { parseElf, PF_R, PF_W, PF_X, type ElfImage } from '../isa-guest/elf.ts';
import type { GuestRegs, SimClock } from '../isa-guest/env.ts';
import { platformParams } from '../isa-guest/params.ts';
import { MachinePlatform } from '../isa-guest/platform-machine.ts';
import { At, Errno, STACK_TOP, Sys, UserPlatform } from '../isa-guest/platform-user.ts';
import { choosePlatform, loadProgram, type LoadOptions } from '../isa-guest/program.ts';
import { Cause, GuestTrap, Irq } from '../isa-guest/trap.ts';
import { buildElf, words, type ElfSpec } from './helpers/elf-builder.ts';

const registry = new ParamRegistry([platformParams]);
const defaults = registry.defaults();
const text = new TextDecoder();

function image(spec: ElfSpec, name = 'prog'): ElfImage {
  return parseElf(buildElf(spec).bytes, name);
}

const userImage = (): ElfImage => image({
  entry: 0x10000,
  segments: [
    { vaddr: 0x10000, data: words(0x00000013, 0x00000073), flags: PF_R | PF_X },
    { vaddr: 0x11000, data: words(7), memsz: 0x1800, flags: PF_R | PF_W }, // bss up to 0x12800
  ],
});

const TOHOST = 0x80001000;
const FROMHOST = 0x80001040;
const machineImage = (): ElfImage => image({
  entry: 0x80000000,
  segments: [
    { vaddr: 0x80000000, data: words(0x00000013, 0x0000006f), flags: PF_R | PF_X },
    { vaddr: TOHOST, data: new Uint8Array(0x48), flags: PF_R | PF_W },
  ],
  symbols: [
    { name: 'tohost', value: TOHOST, size: 8, type: 0 },
    { name: 'fromhost', value: FROMHOST, size: 8, type: 0 },
  ],
});

interface Harness {
  clock: SimClock;
  out: number[];
  err: number[];
  warnings: string[];
  opts: LoadOptions;
}

function harness(over: Partial<LoadOptions> & { cfg?: Record<string, unknown>; input?: string[] } = {}): Harness {
  const clock = { cycles: 0 };
  const out: number[] = [];
  const err: number[] = [];
  const warnings: string[] = [];
  const chunks = (over.input ?? []).map((s) => new TextEncoder().encode(s));
  const config: Config = over.cfg ? registry.resolve(over.cfg) : defaults;
  const opts: LoadOptions = {
    args: [],
    config,
    clock,
    stdout: (b) => out.push(...b),
    stderr: (b) => err.push(...b),
    warn: (m) => warnings.push(m),
    ...(over.input ? { stdin: () => chunks.shift() ?? null } : {}),
    ...over,
  };
  return { clock, out, err, warnings, opts };
}

function loadUser(over: Parameters<typeof harness>[0] = {}) {
  const h = harness(over);
  const prog = loadProgram(userImage(), h.opts);
  if (!(prog.env instanceof UserPlatform)) throw new Error('expected the user platform');
  const env = prog.env;
  const regs: GuestRegs = { x: new Int32Array(32), pc: 0 };
  /** Run one syscall; a0 as a signed value. */
  const sys = (n: number, ...args: number[]): number => {
    regs.x.fill(0);
    regs.x[17] = n;
    args.forEach((a, i) => { regs.x[10 + i] = a; });
    expect(env.ecall(regs)).toBe(true);
    return regs.x[10]!;
  };
  return { ...h, prog, env, mem: env.memory, sys };
}

function loadMachine(over: Parameters<typeof harness>[0] = {}) {
  const h = harness(over);
  const prog = loadProgram(machineImage(), h.opts);
  if (!(prog.env instanceof MachinePlatform)) throw new Error('expected the machine platform');
  return { ...h, prog, env: prog.env, mem: prog.env.memory };
}

// -----------------------------------------------------------------------------------------

describe('platform choice and loading', () => {
  it('chooses machine for tohost or a RAM entry point, user otherwise; an explicit platform wins', () => {
    expect(choosePlatform(userImage())).toBe('user');
    expect(choosePlatform(machineImage())).toBe('machine');
    const bare = image({ entry: 0x80000000, segments: [{ vaddr: 0x80000000, data: words(0x13) }] });
    expect(choosePlatform(bare)).toBe('machine');
    expect(loadProgram(userImage(), { ...harness().opts, platform: 'user' }).env.name).toBe('user');
  });

  it('maps segments with zero-filled bss', () => {
    const { mem, prog } = loadUser();
    expect(prog.entry).toBe(0x10000);
    expect(mem.load32(0x10004)).toBe(0x73);
    expect(mem.load32(0x11000)).toBe(7);
    expect(mem.load32(0x127fc)).toBe(0);
    expect(mem.isRam(0x13000)).toBe(false); // nothing past the image's last page until brk grows
  });

  it('loads one image into two independent machines', () => {
    const img = machineImage();
    const a = loadProgram(img, harness().opts);
    const b = loadProgram(img, harness().opts);
    a.env.memory.store32(0x80000000, 0x12345678);
    expect(b.env.memory.load32(0x80000000)).toBe(0x13);
    a.env.memory.store32(TOHOST, 3);
    expect(a.env.exitCode).toBe(1);
    expect(b.env.exitCode).toBeUndefined();
  });

  it('rejects images that do not fit the platform', () => {
    const outside = image({ entry: 0x80000000, segments: [{ vaddr: 0x80000000, data: words(0x13), memsz: 0x5000000 }] });
    expect(() => loadProgram(outside, harness().opts)).toThrow(/outside the machine's RAM 0x80000000\.\.0x84000000 \(platform\.ramMiB=64\)/);
    expect(() => loadProgram(outside, harness({ cfg: { 'platform.ramMiB': 128 } }).opts)).not.toThrow();
    const onUart = image({ entry: 0x10000000, segments: [{ vaddr: 0x10000000, data: words(0x13) }] });
    expect(() => loadProgram(onUart, { ...harness().opts, platform: 'machine' })).toThrow(/overlaps the UART registers at 0x10000000/);
    const high = image({ entry: 0x70000000, segments: [{ vaddr: 0x70000000, data: words(0x13) }] });
    expect(() => loadProgram(high, harness().opts)).toThrow(UsageError);
    expect(() => loadProgram(userImage(), harness({ args: ['x'.repeat(20000)], cfg: { 'platform.stackKiB': 16 } }).opts))
      .toThrow(/arguments do not fit in the stack/);
  });
});

describe('user platform: initial stack', () => {
  it('lays out argc, argv, envp and auxv like Linux, at a hand-computed sp', () => {
    const { prog, mem } = loadUser({ args: ['a', 'bb'] });
    // top-4 = 0x7feffffc; "prog\0" -> 0x7feffff7; "prog\0a\0bb\0" (10) -> 0x7fefffed;
    // align 16 -> 0x7fefffe0; AT_RANDOM -> 0x7fefffd0; 40 words (argc, 3 argv, NULL, NULL,
    // 17 auxv pairs) -> 0x7fefff30, already 16-aligned.
    const sp = prog.initialRegs.sp;
    expect(STACK_TOP).toBe(0x7ff00000);
    expect(sp).toBe(0x7fefff30);
    expect(prog.initialRegs.a0).toBe(0);
    const w = (i: number) => mem.load32(sp + 4 * i) >>> 0;
    expect(w(0)).toBe(3);
    expect([w(1), w(2), w(3)]).toEqual([0x7fefffed, 0x7fefffed + 5, 0x7fefffed + 7]);
    expect([1, 2, 3].map((i) => mem.readCString(w(i)))).toEqual(['prog', 'a', 'bb']);
    expect(w(4)).toBe(0); // argv terminator
    expect(w(5)).toBe(0); // empty environment
    const auxv = new Map<number, number>();
    let i = 6;
    for (; w(i) !== At.NULL; i += 2) auxv.set(w(i), w(i + 1));
    expect(i).toBe(6 + 16 * 2);
    expect(auxv.get(At.PAGESZ)).toBe(4096);
    expect(auxv.get(At.ENTRY)).toBe(0x10000);
    expect(auxv.get(At.PHNUM)).toBe(2);
    expect(auxv.get(At.PHENT)).toBe(32);
    expect(auxv.get(At.HWCAP)).toBe((1 << 8) | (1 << 12)); // 'i' and 'm'
    expect(auxv.get(At.CLKTCK)).toBe(100);
    expect(auxv.get(At.RANDOM)).toBe(0x7fefffd0);
    expect(mem.readBytes(0x7fefffd0, 16).some((b) => b !== 0)).toBe(true);
    expect(mem.readCString(auxv.get(At.EXECFN)!)).toBe('prog');
    expect(mem.load32(0x7feffffc)).toBe(0);
  });

  it('is the same every run (AT_RANDOM included)', () => {
    const a = loadUser({ args: ['x'] });
    const b = loadUser({ args: ['x'] });
    const sp = a.prog.initialRegs.sp;
    expect(b.prog.initialRegs.sp).toBe(sp);
    expect(a.mem.readBytes(sp, STACK_TOP - sp)).toEqual(b.mem.readBytes(sp, STACK_TOP - sp));
  });
});

describe('user platform: syscalls', () => {
  const BUF = 0x11100;

  it('write to stdout/stderr, with EBADF, EFAULT and zero-length cases', () => {
    const { sys, mem, out, err } = loadUser();
    mem.writeBytes(BUF, new TextEncoder().encode('hello'));
    expect(sys(Sys.write, 1, BUF, 5)).toBe(5);
    expect(sys(Sys.write, 2, BUF + 1, 3)).toBe(3);
    expect(text.decode(Uint8Array.from(out))).toBe('hello');
    expect(text.decode(Uint8Array.from(err))).toBe('ell');
    expect(sys(Sys.write, 3, BUF, 5)).toBe(-Errno.EBADF);
    expect(sys(Sys.write, 1, 0x5000, 4)).toBe(-Errno.EFAULT);
    expect(sys(Sys.write, 1, 0xfffffff0, 0x20)).toBe(-Errno.EFAULT); // wraps past 4 GiB
    expect(sys(Sys.write, 1, BUF, 0)).toBe(0);
    expect(out.length).toBe(5);
  });

  it('writev gathers iovecs', () => {
    const { sys, mem, out } = loadUser();
    mem.writeBytes(BUF, new TextEncoder().encode('abcdef'));
    mem.writeBytes(BUF + 0x40, words(BUF + 3, 3, BUF, 2));
    expect(sys(Sys.writev, 1, BUF + 0x40, 2)).toBe(5);
    expect(text.decode(Uint8Array.from(out))).toBe('defab');
    expect(sys(Sys.writev, 1, BUF + 0x40, 5000)).toBe(-Errno.EINVAL);
  });

  it('read from stdin until end of input', () => {
    const { sys, mem } = loadUser({ input: ['hello', 'world'] });
    expect(sys(Sys.read, 0, BUF, 3)).toBe(3);
    expect(text.decode(mem.readBytes(BUF, 3))).toBe('hel');
    expect(sys(Sys.read, 0, BUF, 10)).toBe(2); // the rest of the chunk
    expect(sys(Sys.read, 0, BUF, 10)).toBe(5);
    expect(text.decode(mem.readBytes(BUF, 5))).toBe('world');
    expect(sys(Sys.read, 0, BUF, 10)).toBe(0);
    expect(sys(Sys.read, 1, BUF, 10)).toBe(-Errno.EBADF);
    expect(sys(Sys.read, 0, 0x5000, 10)).toBe(-Errno.EFAULT);
    expect(loadUser().sys(Sys.read, 0, BUF, 10)).toBe(0); // no stdin at all: EOF
  });

  it('close makes the descriptor unusable', () => {
    const { sys } = loadUser();
    expect(sys(Sys.close, 1)).toBe(0);
    expect(sys(Sys.write, 1, BUF, 1)).toBe(-Errno.EBADF);
    expect(sys(Sys.close, 1)).toBe(-Errno.EBADF);
    expect(sys(Sys.close, 9)).toBe(-Errno.EBADF);
    expect(sys(Sys.fstat64, 1, BUF)).toBe(-Errno.EBADF);
  });

  it('fstat64 fills a 104-byte asm-generic struct stat64 describing a pipe', () => {
    const { sys, mem } = loadUser();
    mem.writeBytes(BUF, new Uint8Array(128).fill(0x55));
    expect(sys(Sys.fstat64, 1, BUF)).toBe(0);
    const st = new DataView(mem.readBytes(BUF, 128).buffer);
    expect(st.getUint32(16, true)).toBe(0o010600); // st_mode: S_IFIFO | rw-------
    expect(st.getUint32(20, true)).toBe(1); // st_nlink
    expect(st.getBigInt64(48, true)).toBe(0n); // st_size
    expect(st.getInt32(56, true)).toBe(4096); // st_blksize
    expect(st.getUint32(100, true)).toBe(0); // last field
    expect(st.getUint32(104, true)).toBe(0x55555555); // nothing written past the struct
    expect(sys(Sys.fstat64, 7, BUF)).toBe(-Errno.EBADF);
    expect(sys(Sys.fstat64, 0, 0x5000)).toBe(-Errno.EFAULT);
  });

  it('ioctl, llseek, getpid, uname', () => {
    const { sys, mem } = loadUser();
    expect(sys(Sys.ioctl, 1, 0x5401, BUF)).toBe(-Errno.ENOTTY);
    expect(sys(Sys.ioctl, 8, 0x5401, BUF)).toBe(-Errno.EBADF);
    expect(sys(Sys.llseek, 0, 0, 0, BUF, 0)).toBe(-Errno.ESPIPE);
    expect(sys(Sys.getpid)).toBe(sys(Sys.setTidAddress, BUF));
    expect(sys(Sys.uname, BUF)).toBe(0);
    expect(mem.readCString(BUF)).toBe('Linux');
    expect(mem.readCString(BUF + 4 * 65)).toBe('riscv32');
    expect(sys(Sys.uname, 0x5000)).toBe(-Errno.EFAULT);
  });

  it('exit and exit_group set the exit status (low 8 bits), once', () => {
    const a = loadUser();
    expect(a.env.exitCode).toBeUndefined();
    a.sys(Sys.exitGroup, 258);
    expect(a.env.exitCode).toBe(2);
    a.sys(Sys.exit, 5);
    expect(a.env.exitCode).toBe(2);
    const b = loadUser();
    b.sys(Sys.exit, -1);
    expect(b.env.exitCode).toBe(255);
  });

  it('unknown syscalls return -ENOSYS and warn once per number, not on the guest stderr', () => {
    const { sys, warnings, err } = loadUser();
    expect(sys(999)).toBe(-Errno.ENOSYS);
    expect(sys(999)).toBe(-Errno.ENOSYS);
    expect(sys(998)).toBe(-Errno.ENOSYS);
    expect(warnings.length).toBe(2);
    expect(warnings[0]).toMatch(/999/);
    expect(err.length).toBe(0);
  });

  it('clock_gettime (64- and 32-bit timespec) and the time CSR derive from simulated cycles', () => {
    const u = loadUser();
    u.clock.cycles = 2_500_000_123; // at 1000 MHz: 2.500000123 s
    expect(u.sys(Sys.clockGettime64, 1, BUF)).toBe(0);
    const t64 = new DataView(u.mem.readBytes(BUF, 16).buffer);
    expect(t64.getBigInt64(0, true)).toBe(2n);
    expect(t64.getBigInt64(8, true)).toBe(500_000_123n);
    u.mem.writeBytes(BUF, new Uint8Array(16).fill(0xaa));
    expect(u.sys(Sys.clockGettime32, 0, BUF)).toBe(0);
    const t32 = new DataView(u.mem.readBytes(BUF, 12).buffer);
    expect([t32.getInt32(0, true), t32.getInt32(4, true), t32.getUint32(8, true)]).toEqual([2, 500_000_123, 0xaaaaaaaa]);
    expect(u.sys(Sys.clockGettime64, 99, BUF)).toBe(-Errno.EINVAL);
    expect(u.sys(Sys.clockGettime64, 1, 0x5000)).toBe(-Errno.EFAULT);
    expect(u.env.readTime()).toBe(2_500_000); // 1000 cycles per tick
    expect(u.env.pendingInterrupts()).toBe(0);
    expect(u.env.nextEventCycle()).toBe(Infinity);

    const slow = loadUser({ cfg: { 'platform.clockMHz': 3 } });
    slow.clock.cycles = 10; // 10 / 3 MHz = 3333.33 ns
    expect(slow.sys(Sys.clockGettime64, 0, BUF)).toBe(0);
    expect(new DataView(slow.mem.readBytes(BUF, 16).buffer).getBigInt64(8, true)).toBe(3333n);
  });

  it('brk: query, grow with zeroed pages, shrink, and refuse bad requests with the old break', () => {
    const { sys, mem } = loadUser();
    const start = sys(Sys.brk, 0);
    expect(start).toBe(0x13000); // page-aligned end of the bss (0x12800)
    expect(sys(Sys.brk, start + 5000)).toBe(start + 5000);
    expect(mem.load32(start + 4996)).toBe(0);
    mem.store32(start + 4096, 42);
    expect(sys(Sys.brk, 0)).toBe(start + 5000);
    expect(sys(Sys.brk, start + 100)).toBe(start + 100);
    expect(mem.isRam(start)).toBe(true);
    expect(mem.isRam(start + 4096)).toBe(false);
    expect(sys(Sys.brk, start + 5000)).toBe(start + 5000);
    expect(mem.load32(start + 4096)).toBe(0); // regrown pages are fresh
    expect(sys(Sys.brk, start - 4096)).toBe(start + 5000); // below the start
    expect(sys(Sys.brk, start + 257 * 1024 * 1024)).toBe(start + 5000); // past the mmapMiB budget
  });

  it('mmap2/munmap: anonymous private mappings, top-down below the stack', () => {
    const { sys, mem } = loadUser();
    const RW = 3;
    const PRIV_ANON = 0x22;
    const top = STACK_TOP - 8 * 1024 * 1024 - 0x100000; // stack 8 MiB, guard 1 MiB
    const a = sys(Sys.mmap2, 0, 8192, RW, PRIV_ANON, -1, 0) >>> 0;
    expect(a).toBe(top - 8192);
    const b = sys(Sys.mmap2, 0x1234000, 100, RW, PRIV_ANON, -1, 0) >>> 0; // hint ignored, length rounded
    expect(b).toBe(a - 4096);
    mem.store32(a, 5);
    expect(sys(Sys.munmap, a, 8192)).toBe(0);
    expect(mem.isRam(a)).toBe(false);
    const c = sys(Sys.mmap2, 0, 4096, RW, PRIV_ANON, -1, 0) >>> 0;
    expect(c).toBe(top - 4096); // the highest free page again
    expect(mem.load32(b)).toBe(0);
    // MAP_FIXED inside the window replaces with zeroed pages
    mem.store32(c, 9);
    expect(sys(Sys.mmap2, c, 4096, RW, PRIV_ANON | 0x10, -1, 0) >>> 0).toBe(c);
    expect(mem.load32(c)).toBe(0);
    expect(sys(Sys.mmap2, 0x20000, 4096, RW, PRIV_ANON | 0x10, -1, 0)).toBe(-Errno.ENOMEM);
    // unsupported or invalid requests
    expect(sys(Sys.mmap2, 0, 4096, RW, 0x02, 3, 0)).toBe(-Errno.ENOSYS); // a file mapping
    expect(sys(Sys.mmap2, 0, 4096, RW, 0x21, -1, 0)).toBe(-Errno.ENOSYS); // shared
    expect(sys(Sys.mmap2, 0, 0, RW, PRIV_ANON, -1, 0)).toBe(-Errno.EINVAL);
    expect(sys(Sys.mmap2, 0, 4096, RW, 0x20, -1, 0)).toBe(-Errno.EINVAL); // neither private nor shared
    expect(sys(Sys.mmap2, 0, 257 * 1024 * 1024, RW, PRIV_ANON, -1, 0)).toBe(-Errno.ENOMEM);
    expect(sys(Sys.munmap, c + 1, 4096)).toBe(-Errno.EINVAL);
    expect(sys(Sys.munmap, 0x10000, 4096)).toBe(-Errno.EINVAL); // not an mmap'd region
    expect(sys(Sys.mprotect, b, 4096, 1)).toBe(0);
    expect(sys(Sys.mprotect, a, 4096, 1)).toBe(-Errno.ENOMEM); // unmapped above
    expect(sys(Sys.mprotect, b + 4, 4096, 1)).toBe(-Errno.EINVAL);
  });
});

// -----------------------------------------------------------------------------------------

const CLINT = 0x02000000;
const MSIP = CLINT;
const MTIMECMP = CLINT + 0x4000;
const MTIME = CLINT + 0xbff8;
const UART = 0x10000000;
const MTIP = 1 << Irq.machineTimer;
const MSIP_BIT = 1 << Irq.machineSoftware;

describe('machine platform: CLINT', () => {
  it('mtime counts one tick per mtimeDivider cycles; mtimecmp resets to all-ones (no interrupt)', () => {
    const { mem, env, clock } = loadMachine();
    clock.cycles = 123_456;
    expect(mem.load32(MTIME)).toBe(123);
    expect(mem.load32(MTIME + 4)).toBe(0);
    expect(env.readTime()).toBe(123);
    expect(mem.load32(MTIMECMP) >>> 0).toBe(0xffffffff);
    expect(mem.load32(MTIMECMP + 4) >>> 0).toBe(0xffffffff);
    expect(env.pendingInterrupts()).toBe(0);
    expect(env.nextEventCycle()).toBe(Infinity);
    expect(env.ecall()).toBe(false);
    clock.cycles = 5 * 2 ** 32 * 1000 + 7999; // mtime = 5 * 2^32 + 7
    expect([mem.load32(MTIME), mem.load32(MTIME + 4)]).toEqual([7, 5]);
  });

  it('raises MTIP exactly when mtime reaches mtimecmp, and nextEventCycle names that cycle', () => {
    const { mem, env, clock } = loadMachine();
    mem.store32(MTIMECMP, 200);
    mem.store32(MTIMECMP + 4, 0);
    expect(env.nextEventCycle()).toBe(200_000);
    clock.cycles = 199_999;
    expect(env.pendingInterrupts()).toBe(0);
    clock.cycles = 200_000;
    expect(env.pendingInterrupts()).toBe(MTIP);
    expect(env.nextEventCycle()).toBe(200_000); // already pending: now
    mem.store32(MTIMECMP + 4, 1); // mtimecmp = 2^32 + 200: cleared
    expect(env.pendingInterrupts()).toBe(0);
    expect(env.nextEventCycle()).toBe((2 ** 32 + 200) * 1000);
  });

  it('writes to mtime set an offset that later reads and nextEventCycle honour', () => {
    const { mem, env, clock } = loadMachine();
    clock.cycles = 200_000; // mtime 200
    mem.store32(MTIME, 1000);
    expect(mem.load32(MTIME)).toBe(1000);
    clock.cycles = 201_000;
    expect(mem.load32(MTIME)).toBe(1001);
    mem.store32(MTIMECMP + 4, 0);
    mem.store32(MTIMECMP, 2000);
    // mtime = floor(c/1000) + 800 reaches 2000 at c = 1_200_000
    expect(env.nextEventCycle()).toBe(1_200_000);
    clock.cycles = 1_199_999;
    expect(env.pendingInterrupts()).toBe(0);
    clock.cycles = 1_200_000;
    expect(env.pendingInterrupts()).toBe(MTIP);
    mem.store32(MTIME + 4, 3); // high half: mtime = 3 * 2^32 + 2000
    expect([mem.load32(MTIME), mem.load32(MTIME + 4)]).toEqual([2000, 3]);
  });

  it('msip drives MSIP; only bit 0 is writable', () => {
    const { mem, env } = loadMachine();
    mem.store32(MSIP, 0xffffffff);
    expect(mem.load32(MSIP)).toBe(1);
    expect(env.pendingInterrupts()).toBe(MSIP_BIT);
    expect(env.nextEventCycle()).toBe(0);
    mem.store32(MSIP, 0);
    expect(env.pendingInterrupts()).toBe(0);
  });

  it('byte and halfword accesses act on the bytes of the containing word', () => {
    const { mem } = loadMachine();
    mem.store32(MTIMECMP, 0x11223344);
    mem.store8(MTIMECMP + 1, 0xaa);
    expect(mem.load32(MTIMECMP) >>> 0).toBe(0x1122aa44);
    mem.store16(MTIMECMP + 2, 0xbeef);
    expect(mem.load32(MTIMECMP) >>> 0).toBe(0xbeefaa44);
    expect(mem.load8(MTIMECMP + 3)).toBe(0xbe);
    expect(mem.load16(MTIMECMP)).toBe(0xaa44);
  });

  it('faults on offsets that are not registers', () => {
    const { mem } = loadMachine();
    expect(() => mem.load32(CLINT + 0x100)).toThrow(GuestTrap);
    try { mem.store32(CLINT + 0x8000, 1); } catch (e) {
      expect(e).toBeInstanceOf(GuestTrap);
      expect((e as GuestTrap).cause).toBe(Cause.storeAccessFault);
      expect((e as GuestTrap).tval).toBe(CLINT + 0x8000);
    }
  });

  it('floor(cycles / divider) is exact near 2^53 for dividers that do not divide evenly', () => {
    const clock = { cycles: 0 };
    const clint = new Clint(clock, 3);
    const k = 2 ** 50;
    clock.cycles = 3 * k - 1;
    expect(clint.mtime()).toBe(k - 1);
    clock.cycles = 3 * k;
    expect(clint.mtime()).toBe(k);
    const big = new Clint(clock, 999_983);
    clock.cycles = 999_983 * 9_007_199 - 1;
    expect(big.mtime()).toBe(9_007_198);
  });
});

describe('machine platform: UART', () => {
  it('THR writes reach stdout; LSR reports the transmitter empty', () => {
    const { mem, out } = loadMachine();
    expect(mem.load8(UART + 5)).toBe(0x60);
    mem.store8(UART, 0x48);
    mem.store8(UART, 0x69);
    expect(text.decode(Uint8Array.from(out))).toBe('Hi');
  });

  it('received bytes raise LSR.DR and are read from RBR', () => {
    const { mem } = loadMachine({ input: ['xy'] });
    expect(mem.load8(UART + 5)).toBe(0x61);
    expect(mem.load8(UART)).toBe(0x78);
    expect(mem.load8(UART)).toBe(0x79);
    expect(mem.load8(UART + 5)).toBe(0x60);
    expect(mem.load8(UART)).toBe(0);
  });

  it('divisor latch, scratch and interrupt identification behave like a 16550', () => {
    const { mem, out } = loadMachine({ input: ['z'] });
    mem.store8(UART + 3, 0x83); // DLAB on
    mem.store8(UART, 0x0c); // DLL, not a character
    mem.store8(UART + 1, 0x00); // DLM
    expect(mem.load8(UART)).toBe(0x0c);
    mem.store8(UART + 3, 0x03); // DLAB off
    expect(out.length).toBe(0);
    mem.store8(UART + 7, 0x5a);
    expect(mem.load8(UART + 7)).toBe(0x5a);
    expect(mem.load8(UART + 2)).toBe(0x01); // no interrupt pending, FIFOs off
    mem.store8(UART + 2, 0x07); // FIFOs on
    mem.store8(UART + 1, 0xff);
    expect(mem.load8(UART + 1)).toBe(0x0f);
    expect(mem.load8(UART + 2)).toBe(0xc4); // received data available
    mem.load8(UART);
    expect(mem.load8(UART + 2)).toBe(0xc2); // transmitter empty
  });
});

describe('machine platform: HTIF', () => {
  it('a tohost write with bit 0 set ends the run with exit code value >> 1', () => {
    const pass = loadMachine();
    expect(pass.env.exitCode).toBeUndefined();
    pass.mem.store32(TOHOST + 4, 0); // the high half alone does nothing
    expect(pass.env.exitCode).toBeUndefined();
    pass.mem.store32(TOHOST, 1);
    expect(pass.env.exitCode).toBe(0);
    const fail = loadMachine();
    fail.mem.store32(TOHOST, (5 << 1) | 1); // riscv-tests: test 5 failed
    expect(fail.env.exitCode).toBe(5);
  });

  it('proxies write(fd 1/2) through magic_mem, answers in magic_mem[0] and fromhost', () => {
    const { mem, env, out, err } = loadMachine();
    const MAGIC = 0x80002000;
    const BUF = 0x80002100;
    mem.writeBytes(BUF, new TextEncoder().encode('hello'));
    const call = (which: number, a0: number, a1: number, a2: number): [number, number] => {
      mem.writeBytes(MAGIC, words(which, 0, a0, 0, a1, 0, a2, 0));
      mem.store32(FROMHOST, 0);
      mem.store32(TOHOST, MAGIC);
      mem.store32(TOHOST + 4, 0);
      expect(mem.load32(TOHOST)).toBe(0); // consumed
      expect(mem.load32(FROMHOST)).toBe(1); // answered
      return [mem.load32(MAGIC), mem.load32(MAGIC + 4)];
    };
    expect(call(64, 1, BUF, 5)).toEqual([5, 0]);
    expect(call(64, 2, BUF + 1, 2)).toEqual([2, 0]);
    expect(text.decode(Uint8Array.from(out))).toBe('hello');
    expect(text.decode(Uint8Array.from(err))).toBe('el');
    expect(call(64, 3, BUF, 5)).toEqual([-9, -1]);
    expect(call(64, 1, 0x1000, 5)).toEqual([-14, -1]);
    expect(call(1234, 0, 0, 0)).toEqual([-38, -1]);
    expect(env.exitCode).toBeUndefined();
    call(93, 7, 0, 0);
    expect(env.exitCode).toBe(7);
  });

  it('keeps watching tohost across a translation-cache flush, and does not report it as code', () => {
    const { mem, env } = loadMachine();
    const codeWrites: number[] = [];
    mem.addCodeWriteListener((a) => codeWrites.push(a));
    mem.watch(0x80000000);
    mem.unwatchAll();
    mem.store32(TOHOST + 8, 1); // same page, not tohost
    expect(env.exitCode).toBeUndefined();
    mem.store32(TOHOST, 3);
    expect(env.exitCode).toBe(1);
    expect(codeWrites).toEqual([]);
    mem.watch(TOHOST);
    mem.store32(TOHOST + 8, 2);
    expect(codeWrites).toEqual([TOHOST + 8]);
  });

  it('runs without HTIF when the image has no tohost', () => {
    const bare = image({ entry: 0x80000000, segments: [{ vaddr: 0x80000000, data: words(0x13) }] });
    const env = loadProgram(bare, harness().opts).env as MachinePlatform;
    expect(env.htif).toBeUndefined();
    env.memory.store32(0x80000100, 1);
    expect(env.exitCode).toBeUndefined();
  });
});

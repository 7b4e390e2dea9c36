/**
 * Physical memory protection (privileged spec, "Physical Memory Protection"): 16 entries,
 * as RV32 lays them out in pmpcfg0..pmpcfg3 (four 8-bit entry configurations each) and
 * pmpaddr0..pmpaddr15 (bits 33:2 of an address), with granularity G = 0 (4 bytes).
 *
 * Physical addresses here are 32 bits wide, so the part of a region at or above 2^32 is
 * never reached. The CSR side (csr.ts) reads and writes through this object; execution
 * asks check() per access only while transparent() says an access could be denied.
 */
import type { Priv } from './hart.ts';

/** Number of entries (all of RV32's 16 are implemented). */
export const PMP_ENTRIES = 16;

// Fields of an entry's 8-bit configuration.
export const PMP_R = 1 << 0;
export const PMP_W = 1 << 1;
export const PMP_X = 1 << 2;
export const PMP_A_SHIFT = 3;
export const PMP_A = 3 << PMP_A_SHIFT;
export const PMP_L = 1 << 7;
/** Address-matching modes (the A field). */
export const PmpA = { off: 0, tor: 1, na4: 2, napot: 3 } as const;
const PMP_RWX = PMP_R | PMP_W | PMP_X;
/** Bits 6:5 are reserved (WPRI): they read as zero. */
const CFG_WRITABLE = PMP_RWX | PMP_A | PMP_L;

/** What an access does: read (load), write (store) or execute (instruction fetch). */
export type PmpAccess = 'r' | 'w' | 'x';
const PERM: Record<PmpAccess, number> = { r: PMP_R, w: PMP_W, x: PMP_X };

/** hart.ts's PRIV_M (a value import would make the two modules import each other). */
const M: Priv = 3;
/** Byte address bound of the 32-bit physical address space. */
const SPACE_END = 2 ** 32;

/** Keep only a legal configuration: no reserved bits, and R = 0 with W = 1 (reserved) reads as
 * R = W = 0, the choice Spike makes. */
function legalCfg(v: number): number {
  let c = v & CFG_WRITABLE;
  if ((c & (PMP_R | PMP_W)) === PMP_W) c &= ~PMP_W;
  return c;
}

export class Pmp {
  /** Entry configurations, legalized. */
  private readonly cfg = new Uint8Array(PMP_ENTRIES);
  /** pmpaddr registers (address bits 33:2), unsigned. */
  private readonly addr = new Uint32Array(PMP_ENTRIES);
  /** Byte range [lo, hi) each entry matches, derived from cfg and addr (up to 2^35, so
   * doubles); lo >= hi for an entry that matches nothing (OFF, or an empty TOR range). */
  private readonly lo = new Float64Array(PMP_ENTRIES);
  private readonly hi = new Float64Array(PMP_ENTRIES);
  /** Whether no access at that privilege can be denied; recomputed on every write. */
  private openM = true;
  private openU = false;

  /** pmpcfg`n` (n = 0..3): entries 4n..4n+3, one per byte. */
  readCfg(n: number): number {
    const c = this.cfg;
    const i = 4 * n;
    return (c[i]! | (c[i + 1]! << 8) | (c[i + 2]! << 16) | (c[i + 3]! << 24)) | 0;
  }

  /** Write pmpcfg`n`: locked entries keep their configuration, the others are legalized. */
  writeCfg(n: number, v: number): void {
    for (let k = 0; k < 4; k++) {
      const i = 4 * n + k;
      if (this.cfg[i]! & PMP_L) continue;
      this.cfg[i] = legalCfg((v >>> (8 * k)) & 0xff);
    }
    this.derive();
  }

  /** pmpaddr`i`. With G = 0 every bit is implemented, so it reads back as written. */
  readAddr(i: number): number {
    return this.addr[i]! | 0;
  }

  /** Write pmpaddr`i`; ignored when entry i is locked, or entry i+1 is a locked TOR entry
   * (whose lower bound this is). */
  writeAddr(i: number, v: number): void {
    if (this.cfg[i]! & PMP_L) return;
    const next = i + 1 < PMP_ENTRIES ? this.cfg[i + 1]! : 0;
    if ((next & PMP_L) !== 0 && ((next & PMP_A) >>> PMP_A_SHIFT) === PmpA.tor) return;
    this.addr[i] = v >>> 0;
    this.derive();
  }

  /**
   * May an access of `size` bytes at `addr`, of this kind, at this privilege go ahead? The
   * lowest-numbered entry that matches any byte decides, and must match all of them. Its
   * permissions bind U-mode always and M-mode only when it is locked. With no matching
   * entry, M-mode succeeds and U-mode fails (entries are implemented).
   */
  check(addr: number, size: number, kind: PmpAccess, priv: Priv): boolean {
    const a = addr >>> 0;
    const end = a + size;
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const lo = this.lo[i]!;
      const hi = this.hi[i]!;
      if (lo >= hi || end <= lo || a >= hi) continue;
      if (a < lo || end > hi) return false; // a partial match fails whatever the permissions
      const c = this.cfg[i]!;
      if (priv === M && (c & PMP_L) === 0) return true;
      return (c & PERM[kind]) !== 0;
    }
    return priv === M;
  }

  /** True when check() allows every naturally aligned access of up to 4 bytes (the only
   * kind a hart makes: misaligned ones trap first) at this privilege. Cheap: cached. */
  transparent(priv: Priv): boolean {
    return priv === M ? this.openM : this.openU;
  }

  /** Recompute the match ranges and the transparency of each privilege. */
  private derive(): void {
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const c = this.cfg[i]!;
      const a = this.addr[i]!;
      let lo = 0;
      let hi = 0;
      switch ((c & PMP_A) >>> PMP_A_SHIFT) {
        case PmpA.off:
          break;
        case PmpA.tor:
          // Entry 0's lower bound is address 0; an upper bound not above the lower one
          // matches nothing.
          lo = i === 0 ? 0 : this.addr[i - 1]! * 4;
          hi = a * 4;
          break;
        case PmpA.na4:
          lo = a * 4;
          hi = lo + 4;
          break;
        case PmpA.napot: {
          // pmpaddr = base/4 | (2^t - 1) for t trailing ones: a region of 2^(t+3) bytes.
          const t = trailingOnes(a);
          const size = 2 ** (t + 3);
          lo = (a - (2 ** t - 1)) * 4;
          hi = lo + size;
          break;
        }
        default:
          throw new Error('unreachable: the A field has two bits');
      }
      this.lo[i] = lo;
      this.hi[i] = hi;
    }
    this.openM = this.openFor(M);
    this.openU = this.openFor(0);
  }

  /**
   * Conservative: walking entries in priority order, an entry that allows everything at
   * this privilege and matches the whole address space shadows all later ones (open); an
   * entry that allows everything over part of it lets the walk go on (an aligned access
   * lies wholly inside or outside a 4-byte-granular region); any other entry that matches
   * something may deny (closed). Past the last entry the no-match rule decides.
   */
  private openFor(priv: Priv): boolean {
    for (let i = 0; i < PMP_ENTRIES; i++) {
      if (this.lo[i]! >= this.hi[i]!) continue;
      const c = this.cfg[i]!;
      const allowsAll = (priv === M && (c & PMP_L) === 0) || (c & PMP_RWX) === PMP_RWX;
      if (!allowsAll) return false;
      if (this.lo[i] === 0 && this.hi[i]! >= SPACE_END) return true;
    }
    return priv === M;
  }
}

function trailingOnes(v: number): number {
  const z = ~v; // the trailing ones of v are the trailing zeros of ~v
  return z === 0 ? 32 : 31 - Math.clz32(z & -z);
}

/**
 * Indirect-branch prediction for translated code: where a register-indirect exit goes
 * without the dispatcher, and what that costs. One object per machine, used by every
 * executor (the reference executor calls it at its exits; the fast executor calls the same
 * object through a JS import), so both make the same decisions cycle for cycle. It changes
 * only where control goes and what it costs, never guest state.
 *
 * IBTC — one global, set-associative table guest pc → translation, consulted by every
 * register-indirect exit (`exit.ind`, `exit.icall`, and `exit.ret` when the stack did not
 * predict it). Global rather than per translation because the targets of an indirect
 * jump are shared across exits (a bytecode interpreter's handlers, a function's callers
 * returning to the same sites), and a per-exit table of a few entries thrashes on exactly
 * the megamorphic jumps that matter; DynamoRIO's in-cache indirect-branch lookup likewise
 * probes hash tables shared by all indirect branches of a thread (Bruening, "Efficient,
 * Transparent, and Comprehensive Runtime Code Manipulation", PhD thesis, MIT 2004, ch. 4),
 * and Kim & Smith's co-designed-VM proposal uses one jump-target lookup table ("Hardware
 * Support for Control Transfers in Code Caches", MICRO 2003). Transmeta did not publish how
 * CMS handles indirect branches in that detail. The table is filled by the dispatcher:
 * after an exit misses, the lookup that follows enters its result (`resolved`).
 *
 * RAS — a dual-address return-address stack (Kim & Smith 2003): a call exit pushes its
 * guest return address together with its call site; each call site carries a *return link*,
 * the translation of its return point, learned the first time a return to it is resolved
 * (by an IBTC hit or by the dispatcher) — the patched host half of the dual address. A
 * return pops: when the guest address is right and the link is known it jumps there (a RAS
 * hit, no probe); when the address is wrong or the stack is empty it is mispredicted and
 * probes the IBTC; when the address is right but no link is known yet it probes the IBTC
 * without penalty. A full stack overwrites its oldest entry (an overflow).
 *
 * Stale code: a translation that is dropped (invalidated, evicted, flushed) is purged from
 * the IBTC and from every return link (`purge`, `clear`), so neither ever transfers to it.
 *
 * Compiled code predicts too: the fast executor moves the IBTC's tags and stamps, the
 * stack, and the scalars both use (PRED_SCALAR) into the guest's linear memory (`relocate`)
 * and mirrors each IBTC entry's translation (`onEntry`) and each call site's return link
 * (`onLink`; sites are numbered, `siteId`) there, so a linked call's push, an `exit.ind`
 * that hits and a return that hits are done in wasm with exactly this object's updates;
 * anything else is left to this object.
 */
import { UsageError } from '../core/errors.ts';
import { counter, defineStats, formula, ratio } from '../core/stats.ts';
import type { HostCode } from '../isa-host-vliw/code.ts';
import type { ibtcParams, rasParams } from './params.ts';

export const ibtcStats = defineStats('ibtc', {
  hits: counter('exits', 'indirect exits whose target was in the IBTC (transferred without the dispatcher)'),
  misses: counter('exits', 'indirect exits that probed the IBTC and went on to the dispatcher'),
  fills: counter('entries', 'entries written by the dispatcher after a miss'),
  purged: counter('entries', 'entries dropped because their translation was dropped'),
  hitRate: formula('ratio', 'IBTC hits per probe', (g) => ratio(g('ibtc.hits'), g('ibtc.hits') + g('ibtc.misses'))),
});

export const rasStats = defineStats('ras', {
  pushes: counter('calls', 'return addresses pushed by call exits'),
  hits: counter('returns', 'returns predicted right with a known return link: transferred without probe or dispatcher'),
  unlinked: counter('returns', 'returns predicted right whose return point had no link yet (they probe the IBTC)'),
  mispredicts: counter('returns', 'returns whose predicted address was wrong, or the stack empty'),
  underflows: counter('returns', 'returns that found the stack empty (counted in mispredicts too)'),
  overflows: counter('calls', 'pushes onto a full stack (the oldest entry was overwritten)'),
  accuracy: formula('ratio', 'returns whose guest return address was predicted right',
    (g) => ratio(g('ras.hits') + g('ras.unlinked'), g('ras.hits') + g('ras.unlinked') + g('ras.mispredicts'))),
});

export type IbtcConfig = ReturnType<typeof ibtcParams.read>;
export type RasConfig = ReturnType<typeof rasParams.read>;

/** IBTC and RAS off: every indirect exit returns to the dispatcher at no extra cost. */
export const PREDICTION_OFF: { readonly ibtc: IbtcConfig; readonly ras: RasConfig } = {
  ibtc: { entries: 0, ways: 1, hitCost: 0, missCost: 0 },
  ras: { depth: 0, pushCost: 0, hitCost: 0, missCost: 0 },
};

/** A call site: identity only (the executors pass the call's exit atom). */
export type CallSite = object;

/** Where `relocate` put the state: byte offsets of tagPc and stamp (f64 per IBTC entry), of
 * the stack's return addresses and call-site ids (f64 per entry, id 0: none) and of the
 * scalars (f64 each, indexed by PRED_SCALAR); with the geometry and costs compiled code needs. */
export interface PredictorLayout {
  readonly tagPc: number; readonly stamp: number; readonly rasPc: number; readonly rasSite: number; readonly scalars: number;
  readonly sets: number; readonly ways: number; readonly depth: number; readonly ibtc: IbtcConfig; readonly ras: RasConfig;
}
/** The scalars: IBTC LRU clock, IBTC hits, pending fill address (-1: none), the stack's top
 * and count, pushes, overflows and RAS hits. */
export const PRED_SCALAR = { clock: 0, hits: 1, pendingPc: 2, top: 3, count: 4, pushes: 5, overflows: 6, rasHits: 7 } as const;

export class IndirectPredictor {
  /** Cycles charged by the last call()/jump()/ret(), beyond exit.indirect and the transfer
   * kind (exit.toDispatcher when they return null). Read it right after the call. */
  cost = 0;

  private readonly sets: number;
  private readonly ways: number;
  /** IBTC, set s way w at s * ways + w: guest pc (-1 = empty), translation, LRU stamp. */
  private tagPc: Float64Array<ArrayBufferLike>;
  private readonly code: (HostCode | null)[];
  private stamp: Float64Array<ArrayBufferLike>;
  /** The scalars (PRED_SCALAR), in one array so they can move. */
  private sc: Float64Array<ArrayBufferLike> = new Float64Array(8);
  /** Told whenever IBTC entry w's translation changes (fill, purge, clear). */
  onEntry: ((w: number, code: HostCode | null) => void) | undefined;
  /** Told whenever call site `id`'s return link changes (null: dropped). */
  onLink: ((id: number, code: HostCode | null) => void) | undefined;

  /** RAS as a ring: entry i holds a guest return address and its call site's id. */
  private readonly depth: number;
  private rasPc: Float64Array<ArrayBufferLike>;
  private rasSite: Float64Array<ArrayBufferLike>;
  private get top(): number { return this.sc[PRED_SCALAR.top]!; }
  private set top(v: number) { this.sc[PRED_SCALAR.top] = v; }
  private get count(): number { return this.sc[PRED_SCALAR.count]!; }
  private set count(v: number) { this.sc[PRED_SCALAR.count] = v; }
  /** Call sites' ids (from 1; 0: none), weakly: a dropped translation's sites go with it. */
  private readonly ids = new WeakMap<CallSite, number>();
  private nextSite = 1;

  /** Return links (call site id → translation of its return point), and the reverse index
   * that purges them when that translation is dropped. */
  private readonly links = new Map<number, HostCode>();
  private readonly linkedFrom = new Map<HostCode, Set<number>>();

  /** What the next dispatcher lookup should teach us: the target of an exit that missed
   * (sc[pendingPc], -1: none), and the call site of a right but unlinked return prediction
   * (meaningful only with the pending address it was set with). */
  private pendingSite = 0;
  private get pendingPc(): number { return this.sc[PRED_SCALAR.pendingPc]!; }
  private set pendingPc(v: number) { this.sc[PRED_SCALAR.pendingPc] = v; }

  private readonly c = { misses: 0, fills: 0, purged: 0, unlinked: 0, mispredicts: 0, underflows: 0 };

  constructor(private readonly ibtc: IbtcConfig, private readonly ras: RasConfig) {
    if (ibtc.entries % ibtc.ways !== 0) {
      throw new UsageError(`parameter ibtc.entries: ${ibtc.entries} is not a multiple of ibtc.ways (${ibtc.ways})`);
    }
    this.ways = ibtc.ways;
    this.sets = ibtc.entries / ibtc.ways;
    this.tagPc = new Float64Array(ibtc.entries).fill(-1);
    this.code = new Array<HostCode | null>(ibtc.entries).fill(null);
    this.stamp = new Float64Array(ibtc.entries);
    this.depth = ras.depth;
    this.rasPc = new Float64Array(ras.depth);
    this.rasSite = new Float64Array(ras.depth);
    this.pendingPc = -1;
  }

  /** The number of call site `site` (from 1), numbering it on first sight. */
  siteId(site: CallSite): number {
    let id = this.ids.get(site);
    if (id === undefined) {
      id = this.nextSite++;
      this.ids.set(site, id);
      this.onLink?.(id, null);
    }
    return id;
  }

  /** Call sites numbered so far, plus one (ids start at 1). */
  get siteCount(): number { return this.nextSite; }

  /** Call sites (ids) whose return link is `code`. */
  sitesLinkedTo(code: HostCode): number[] {
    return [...(this.linkedFrom.get(code) ?? [])];
  }

  /** Move the IBTC's tags and stamps, the stack and the scalars to `alloc`ated bytes of `memory()` (the fast
   * executor's linear memory, shared and never detached), keeping their contents. */
  relocate(alloc: (bytes: number) => number, memory: () => ArrayBufferLike): PredictorLayout {
    const n = this.tagPc.length;
    const d = this.depth;
    const at = { tagPc: alloc(8 * n), stamp: alloc(8 * n), rasPc: alloc(8 * d), rasSite: alloc(8 * d), scalars: alloc(8 * this.sc.length) };
    const buffer = memory();
    const move = (from: Float64Array<ArrayBufferLike>, off: number): Float64Array<ArrayBufferLike> => {
      const to = new Float64Array(buffer, off, from.length);
      to.set(from);
      return to;
    };
    this.tagPc = move(this.tagPc, at.tagPc);
    this.stamp = move(this.stamp, at.stamp);
    this.rasPc = move(this.rasPc, at.rasPc);
    this.rasSite = move(this.rasSite, at.rasSite);
    this.sc = move(this.sc, at.scalars);
    return { ...at, sets: this.sets, ways: this.ways, depth: d, ibtc: this.ibtc, ras: this.ras };
  }

  /** IBTC entries (0: off). */
  get ibtcEntries(): number { return this.tagPc.length; }
  /** Return-address stack entries (0: off). */
  get rasDepth(): number { return this.depth; }

  /** The translation in IBTC entry w (null: empty). */
  entry(w: number): HostCode | null { return this.code[w]!; }

  /** A taken call exit: push `retPc` (the guest return address) for `site`. Returns (and
   * sets `cost` to) the cycles it costs. */
  call(retPc: number, site: CallSite): number {
    if (this.depth === 0) return (this.cost = 0);
    if (this.count === this.depth) this.sc[PRED_SCALAR.overflows]!++;
    else this.count++;
    this.rasPc[this.top] = retPc >>> 0;
    this.rasSite[this.top] = this.siteId(site);
    this.top = (this.top + 1) % this.depth;
    this.sc[PRED_SCALAR.pushes]!++;
    return (this.cost = this.ras.pushCost);
  }

  /**
   * A taken register-indirect exit to guest pc `target` (not a return). Returns the
   * translation to continue in, or null to return to the dispatcher. `follow` false: the
   * executor must return to the dispatcher whatever happens (the runtime asked to stop):
   * nothing is probed or charged.
   */
  jump(target: number, follow: boolean): HostCode | null {
    this.cost = 0;
    this.pendingSite = 0;
    this.pendingPc = -1;
    if (this.sets === 0) return null;
    target >>>= 0;
    if (!follow) { this.pendingPc = target; return null; }
    const base = (((target >>> 2) % this.sets) * this.ways);
    for (let w = base; w < base + this.ways; w++) {
      if (this.tagPc[w] === target) {
        this.stamp[w] = ++this.sc[PRED_SCALAR.clock]!;
        this.sc[PRED_SCALAR.hits]!++;
        this.cost = this.ibtc.hitCost;
        return this.code[w]!;
      }
    }
    this.c.misses++;
    this.cost = this.ibtc.missCost;
    this.pendingPc = target;
    return null;
  }

  /** A taken return exit (`exit.ret`) to guest pc `target`: pop, then as jump(). */
  ret(target: number, follow: boolean): HostCode | null {
    if (this.depth === 0) return this.jump(target, follow);
    target >>>= 0;
    let site = 0;
    let predicted = -1;
    if (this.count === 0) {
      this.c.underflows++;
    } else {
      this.top = (this.top + this.depth - 1) % this.depth;
      this.count--;
      predicted = this.rasPc[this.top]!;
      site = this.rasSite[this.top]!;
      this.rasSite[this.top] = 0;
    }
    if (!follow) return this.jump(target, false);
    if (predicted === target) {
      const link = this.links.get(site);
      if (link) {
        this.pendingPc = -1;
        this.pendingSite = 0;
        this.sc[PRED_SCALAR.rasHits]!++;
        this.cost = this.ras.hitCost;
        return link;
      }
      this.c.unlinked++;
      const next = this.jump(target, true);
      // The host half is learned from the IBTC hit now, or from the dispatcher later.
      if (next) this.link(site, next);
      else this.pendingSite = site;
      return next;
    }
    this.c.mispredicts++;
    const next = this.jump(target, true);
    this.cost += this.ras.missCost;
    return next;
  }

  /** The dispatcher found `code` for guest pc `pc`. If the last indirect exit missed to
   * there, fill the IBTC and link the return's call site. Costs nothing here (the fill is
   * part of ibtc.missCost). */
  resolved(pc: number, code: HostCode): void {
    if ((pc >>> 0) === this.pendingPc) {
      this.fill(pc, code);
      if (this.pendingSite) this.link(this.pendingSite, code);
    }
    this.pendingPc = -1;
    this.pendingSite = 0;
  }

  /** Enter guest pc → code in the IBTC (LRU victim in its set). */
  fill(pc: number, code: HostCode): void {
    if (this.sets === 0) return;
    pc >>>= 0;
    const base = (((pc >>> 2) % this.sets) * this.ways);
    let victim = base;
    for (let w = base; w < base + this.ways; w++) {
      if (this.tagPc[w] === pc) { victim = w; break; }
      if (this.stamp[w]! < this.stamp[victim]!) victim = w;
    }
    this.tagPc[victim] = pc;
    this.code[victim] = code;
    this.stamp[victim] = ++this.sc[PRED_SCALAR.clock]!;
    this.c.fills++;
    this.onEntry?.(victim, code);
  }

  /** `code` was dropped: forget every entry and return link that leads to it. */
  purge(code: HostCode): void {
    for (let i = 0; i < this.code.length; i++) {
      if (this.code[i] === code) {
        this.code[i] = null;
        this.tagPc[i] = -1;
        this.stamp[i] = 0;
        this.c.purged++;
        this.onEntry?.(i, null);
      }
    }
    const sites = this.linkedFrom.get(code);
    if (sites) {
      for (const s of sites) if (this.links.get(s) === code) { this.links.delete(s); this.onLink?.(s, null); }
      this.linkedFrom.delete(code);
    }
  }

  /** Every translation was dropped (a flush). The stack's guest addresses stay: they are
   * still right, only their host halves are gone. */
  clear(): void {
    for (let i = 0; i < this.code.length; i++) {
      if (this.code[i] !== null) { this.c.purged++; this.onEntry?.(i, null); }
      this.code[i] = null;
      this.tagPc[i] = -1;
      this.stamp[i] = 0;
    }
    for (const [code, sites] of this.linkedFrom) {
      for (const s of sites) if (this.links.get(s) === code) { this.links.delete(s); this.onLink?.(s, null); }
    }
    this.linkedFrom.clear();
    this.pendingPc = -1;
    this.pendingSite = 0;
  }

  stats(): Record<string, number> {
    const c = this.c;
    return {
      ...ibtcStats.values({ hits: this.sc[PRED_SCALAR.hits]!, misses: c.misses, fills: c.fills, purged: c.purged }),
      ...rasStats.values({
        pushes: this.sc[PRED_SCALAR.pushes]!, hits: this.sc[PRED_SCALAR.rasHits]!, unlinked: c.unlinked, mispredicts: c.mispredicts,
        underflows: c.underflows, overflows: this.sc[PRED_SCALAR.overflows]!,
      }),
    };
  }

  /** Call site `site` (an id) returns to `code`. */
  private link(site: number, code: HostCode): void {
    const old = this.links.get(site);
    if (old === code) return;
    if (old) this.linkedFrom.get(old)?.delete(site);
    this.links.set(site, code);
    this.onLink?.(site, code);
    let s = this.linkedFrom.get(code);
    if (!s) this.linkedFrom.set(code, (s = new Set()));
    s.add(site);
  }
}

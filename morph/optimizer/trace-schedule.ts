/**
 * Tier-2 code generation: a trace's IR (one superblock) → scheduled, register-allocated
 * host molecules, with speculation. Tier 1 packs atoms greedily in program order
 * (schedule.ts); this schedules the whole trace as one dependence graph, by critical-path
 * priority, across side exits and stores:
 *
 * 1. Renaming: every IR definition becomes a value. A guest register's value that some
 *    exit must see (it is still the register's latest value there) is *materialized* into
 *    the guest's host register rN; one that is overwritten before any exit never reaches rN
 *    and lives in a temporary (dead guest writes vanish). A materialized value is either
 *    written to rN by its defining atom ("direct"), or — when that atom is worth hoisting
 *    above the preceding side exit — computed into a temporary and copied to rN by a `mov`
 *    placed between the two exits around its program position ("renamed").
 * 2. Dependences: true (latency), anti and output on guest registers; every atom that
 *    changes guest-visible state (a write of rN, a store) stays between the exits around it
 *    in program order; loads and faulting atoms before an exit stay before it. With control
 *    speculation, loads and computations into temporaries may rise above side exits (a
 *    faulting hoisted load rolls the trace back to its entry: correct, only slower).
 * 3. Memory: addresses are tracked symbolically (root value + constant offset through
 *    `addi`/`li`), so accesses off one base are exactly disjoint or overlapping. With memory
 *    speculation, a load may rise above earlier stores it *may* alias: it becomes a
 *    protected load (`ldp`) and each store it passed a checked store (`stc`); an overlap at
 *    run time is an alias fault. A checked store checks every protected range, so a load is
 *    protected only if no later store it certainly overlaps is checked; at most
 *    `aliasEntries` loads are protected per trace.
 * 4. List scheduling, cycle by cycle, highest critical path (latency-weighted height) first,
 *    ties in program order, within the machine's width and per-class slots. Atoms of one
 *    molecule keep program order as slot order (memory atoms act in slot order).
 * 5. Register allocation of temporaries onto r(numShadowed).. by linear scan over the
 *    schedule. Out of registers: the caller tries a smaller variant.
 *
 * The host validator (isa-host-vliw/validator.ts) checks every result independently.
 */
import { assertNever } from '../../core/assert.ts';
import type { LoadWidth, StoreWidth } from '../../isa-host-vliw/atoms.ts';
import { ATOMS, type AtomOp } from '../../isa-host-vliw/atoms.ts';
import * as H from '../../isa-host-vliw/code.ts';
import type { MachineDesc, UnitClass } from '../../isa-host-vliw/machine.ts';
import { def, isTemp, uses, type IrInst, type IrRegion } from './ir.ts';

/** What tier 2 may speculate (mirrors tcache's Speculation). */
export interface SpecFlags {
  readonly memory: boolean;
  readonly control: boolean;
}

/** Which materialized guest values are computed into temporaries and copied (see 1. above). */
export type RenameMode = 'none' | 'loads' | 'feeds' | 'exits' | 'critical' | 'auto' | 'refine' | 'all';

export interface ScheduledTrace {
  readonly molecules: H.Molecule[];
  readonly guestPcOf: Map<H.Atom, number>;
  readonly protectedLoads: number;
  readonly checkedStores: number;
  /** Values copied to their guest register by a mov (renamed). */
  readonly renamed: number;
}

const LOAD_W = { 1: ['bu', 'b'], 2: ['hu', 'h'], 4: ['w', 'w'] } as const satisfies Record<1 | 2 | 4, readonly [LoadWidth, LoadWidth]>;
const STORE_W = { 1: 'b', 2: 'h', 4: 'w' } as const satisfies Record<1 | 2 | 4, StoreWidth>;

interface Node {
  readonly id: number;
  /** Program order: IR instruction k has seq 2k; the mov materializing its value 2k+1. */
  readonly seq: number;
  /** The IR instruction, or null for a materialization mov. */
  readonly inst: IrInst | null;
  readonly srcs: number[];
  /** Value defined, or -1. */
  readonly dst: number;
  /** Guest register written by a mov node. */
  readonly movTo: number;
  /** Immediate / memory offset (the IR's, or rebased onto a root value by address folding). */
  readonly imm: number;
  readonly unit: UnitClass;
  readonly lat: number;
  readonly preds: { n: number; lat: number }[];
  readonly succs: { n: number; lat: number }[];
  live: boolean;
}

interface Value {
  /** Defining node, or -1 for a guest register's value at entry. */
  readonly def: number;
  /** Guest register the IR location names, or -1 for an IR temporary. */
  readonly guest: number;
  readonly readers: number[];
  /** Some exit must see it in its guest register. */
  needed: boolean;
  home: 'entry' | 'direct' | 'temp';
  /** Mov node copying it to its guest register (renamed), or -1. */
  mov: number;
  phys: number;
  /** Symbolic address: root value (or -2 for constants) + offset. */
  root: number;
  off: number;
}

/** The atom op a node lowers to (memory atoms before speculation marking). */
function atomOpOf(i: IrInst | null): AtomOp {
  if (!i) return 'mov';
  switch (i.op) {
    case 'alu': return i.alu;
    case 'alui': return `${i.alu}i`;
    case 'li': return 'li';
    case 'cmp': return `cmp.${i.cond}`;
    case 'load': return `ld.${LOAD_W[i.size][i.signed ? 1 : 0]}`;
    case 'store': return `st.${STORE_W[i.size]}`;
    case 'exit': return i.call !== undefined ? 'exit.call' : 'exit';
    case 'exitIf': return 'exit.if';
    case 'exitInd': return i.call !== undefined ? 'exit.icall' : i.ret ? 'exit.ret' : 'exit.ind';
    default: return assertNever(i, 'IR instruction');
  }
}

const isExit = (i: IrInst | null): boolean => i !== null && (i.op === 'exit' || i.op === 'exitIf' || i.op === 'exitInd');

/**
 * Schedule a trace for machine `m`; undefined when it does not fit the machine (more
 * temporaries live at once than the host has, or more stores than the store buffer).
 */
export function scheduleTrace(region: IrRegion, m: MachineDesc, spec: SpecFlags, mode: RenameMode, fold = true): ScheduledTrace | undefined {
  const insts = region.insts;
  if (insts.filter((i) => i.op === 'store').length > m.storeBufferEntries) return undefined;
  const control = spec.control;
  const nodes: Node[] = [];
  const values: Value[] = [];
  const newValue = (defNode: number, guest: number): number => {
    values.push({ def: defNode, guest, readers: [], needed: false, home: 'temp', mov: -1, phys: -1, root: values.length, off: 0 });
    return values.length - 1;
  };
  const entryValue: number[] = [];
  for (let x = 0; x < 32; x++) {
    entryValue.push(newValue(-1, x));
    const v = values[x]!;
    v.home = 'entry';
    v.phys = x;
  }
  const cur = new Map<number, number>();
  const valueAt = (l: number): number => {
    const v = cur.get(l);
    if (v !== undefined) return v;
    if (isTemp(l)) throw new Error(`trace at 0x${region.entryPc.toString(16)} reads temporary t${l - 32} before writing it`);
    return entryValue[l]!;
  };
  const mkNode = (seq: number, inst: IrInst | null, srcs: number[], dst: number, movTo: number): Node => {
    const s = ATOMS[atomOpOf(inst)];
    const imm = inst && (inst.op === 'alui' || inst.op === 'li' || inst.op === 'load' || inst.op === 'store') ? inst.imm : 0;
    const n: Node = { id: nodes.length, seq, inst, srcs, dst, movTo, imm, unit: s.unit, lat: m.latency[s.latency], preds: [], succs: [], live: true };
    nodes.push(n);
    return n;
  };

  /**
   * The value to read for root `r` at the current point: itself while its location still
   * holds it; an entry value whose register was overwritten, from a copy taken at entry (one
   * mov per trace, not per iteration); undefined otherwise (no folding).
   */
  const entryCopy = new Map<number, number>();
  const readableRoot = (r: number): number | undefined => {
    const v = values[r]!;
    if (v.guest < 0 || valueAt(v.guest) === r) return r;
    if (v.def >= 0) return undefined;
    let c = entryCopy.get(r);
    if (c === undefined) {
      const n = mkNode(-1, null, [r], -1, -1);
      c = newValue(n.id, -1);
      (n as { dst: number }).dst = c;
      values[r]!.readers.push(n.id);
      entryCopy.set(r, c);
    }
    return c;
  };

  // ---- 1. values, liveness of guest state at exits, dead code ----
  const exits: Node[] = [];
  insts.forEach((inst, k) => {
    const srcs = uses(inst).map(valueAt);
    const d = def(inst);
    const n = mkNode(2 * k, inst, srcs, -1, -1);
    if (fold && (inst.op === 'alui' && inst.alu === 'add' || inst.op === 'load' || inst.op === 'store')) {
      // Rebase onto the root of an add-immediate chain: x+1, x+2, x+3 instead of ((x+1)+1)+1.
      const at = srcs.length - 1;
      const b = values[srcs[at]!]!;
      const root = b.root >= 0 && b.root !== srcs[at] ? readableRoot(b.root) : undefined;
      if (root !== undefined) {
        srcs[at] = root;
        (n as { imm: number }).imm = (n.imm + b.off) | 0;
      }
    }
    for (const s of srcs) values[s]!.readers.push(n.id);
    if (d !== undefined) {
      const v = newValue(n.id, isTemp(d) ? -1 : d);
      (n as { dst: number }).dst = v;
      cur.set(d, v);
      // Symbolic address of the value.
      const val = values[v]!;
      if (inst.op === 'alui' && inst.alu === 'add') { const a = values[srcs[0]!]!; val.root = a.root; val.off = (a.off + n.imm) | 0; }
      else if (inst.op === 'li') { val.root = -2; val.off = inst.imm | 0; }
    }
    if (isExit(inst)) {
      exits.push(n);
      // An exit commits every guest register: their current values must be there.
      for (let x = 1; x < 32; x++) { const v = cur.get(x); if (v !== undefined) values[v]!.needed = true; }
    }
  });
  if (exits.length === 0 || nodes[nodes.length - 1] !== exits[exits.length - 1]) throw new Error('trace does not end with an exit');
  for (const n of [...nodes].sort((a, b) => b.seq - a.seq)) {
    const i0 = n.inst;
    const effects = i0 !== null && (i0.op === 'load' || i0.op === 'store' || isExit(i0));
    const v = n.dst >= 0 ? values[n.dst]! : undefined;
    n.live = effects || (v !== undefined && (v.needed || v.readers.some((r) => nodes[r]!.live)));
  }
  for (const v of values) { const keep = v.readers.filter((r) => nodes[r]!.live); v.readers.length = 0; v.readers.push(...keep); }

  // The exits around a program position.
  const prevExit = (seq: number): Node | undefined => {
    let e: Node | undefined;
    for (const x of exits) { if (x.seq < seq) e = x; else break; }
    return e;
  };
  const nextExit = (seq: number): Node => exits.find((x) => x.seq > seq) ?? exits[exits.length - 1]!;

  // ---- 3. memory: protected-load candidates and the stores each may pass (chosen once, before scheduling) ----
  const memOps = nodes.filter((n) => n.live && (n.inst?.op === 'load' || n.inst?.op === 'store'));
  type Rel = 'disjoint' | 'overlap' | 'may';
  const rel = (a: Node, b: Node): Rel => {
    const ia = a.inst as Extract<IrInst, { op: 'load' | 'store' }>;
    const ib = b.inst as Extract<IrInst, { op: 'load' | 'store' }>;
    const ba = values[a.srcs[a.srcs.length - 1]!]!;
    const bb = values[b.srcs[b.srcs.length - 1]!]!;
    if (ba.root !== bb.root) return 'may';
    const diff = ((bb.off + b.imm) - (ba.off + a.imm)) | 0;
    return diff > -ib.size && diff < ia.size ? 'overlap' : 'disjoint';
  };
  const passes = new Map<number, Node[]>(); // protected load id → stores it may pass
  if (spec.memory && m.aliasEntries > 0) {
    const checked: Node[] = [];
    const prot: Node[] = [];
    for (const l of memOps) {
      if (l.inst!.op !== 'load' || prot.length >= m.aliasEntries) continue;
      const may = memOps.filter((s) => s.seq < l.seq && s.inst!.op === 'store' && rel(s, l) === 'may');
      if (may.length === 0) continue;
      // A checked store checks every protected range: none may certainly overlap an earlier protected load.
      const conflict = may.some((s) => prot.some((p) => p.seq < s.seq && rel(p, s) === 'overlap')) ||
        checked.some((s) => s.seq > l.seq && rel(l, s) === 'overlap');
      if (conflict) continue;
      passes.set(l.id, may);
      prot.push(l);
      for (const s of may) if (!checked.includes(s)) checked.push(s);
    }
  }
  // ---- 2. renaming decisions ----
  const materialized = values.filter((v) => v.def >= 0 && v.guest > 0 && v.needed && nodes[v.def]!.live);
  const decide = (rename: (v: Value) => boolean): void => {
    for (const v of values) { if (v.def >= 0) { v.home = 'temp'; v.mov = -1; } }
    for (const v of materialized) v.home = rename(v) ? 'temp' : 'direct';
  };
  const renamable = (v: Value): boolean => control && prevExit(nodes[v.def]!.seq) !== undefined;
  // Guest values the condition of the next side exit depends on (through its own segment).
  const feedsExit = new Set<Value>();
  for (const e of exits) {
    const work = [...e.srcs];
    while (work.length > 0) {
      const v = values[work.pop()!]!;
      if (v.def < 0 || feedsExit.has(v) || prevExit(nodes[v.def]!.seq) !== prevExit(e.seq)) continue;
      feedsExit.add(v);
      work.push(...nodes[v.def]!.srcs);
    }
  }
  let graph: Node[] = [];
  let cycleOf = new Map<number, number>();
  const attempt = (rename: (v: Value) => boolean): void => {
    decide(rename);
    graph = buildGraph();
    cycleOf = listSchedule(graph, m);
  };
  const before = (v: Value, at: ReadonlyMap<number, number>): boolean => at.get(v.def)! <= at.get(prevExit(nodes[v.def]!.seq)!.id)!;
  const isLoad = (n: number): boolean => nodes[n]!.inst?.op === 'load';
  if (mode === 'none') attempt(() => false);
  else if (mode === 'all') attempt(renamable);
  else if (mode === 'loads') attempt((v) => renamable(v) && isLoad(v.def)); // the scarce memory slot and its latency
  else if (mode === 'feeds') attempt((v) => renamable(v) && (isLoad(v.def) || v.readers.some(isLoad))); // and load addresses
  else if (mode === 'exits') attempt((v) => renamable(v) && feedsExit.has(v)); // what decides the next side exit
  else if (mode === 'critical') attempt((v) => renamable(v) && (isLoad(v.def) || v.readers.some(isLoad) || feedsExit.has(v)));
  else if (mode === 'auto') {
    // Rename only what could issue no later than the side exit before it.
    decide(renamable);
    const asap = earliestCycles(buildGraph());
    attempt((v) => renamable(v) && before(v, asap));
  } else {
    // Rename only what the schedule with everything renamed did place above its side exit.
    attempt(renamable);
    const hoisted = new Set(materialized.filter((v) => v.home === 'temp' && before(v, cycleOf)));
    attempt((v) => hoisted.has(v));
  }

  /** Add mov nodes for renamed values (fresh graph each time), then every dependence edge. */
  function buildGraph(): Node[] {
    const g: Node[] = nodes.filter((n) => n.live).map((n) => ({ ...n, preds: [], succs: [] }));
    const byId = new Map<number, Node>(g.map((n) => [n.id, n]));
    let nextId = nodes.length;
    const movs: Node[] = [];
    for (const v of materialized) {
      if (v.home !== 'temp') { v.mov = -1; continue; }
      const d = nodes[v.def]!;
      const s = ATOMS.mov;
      const mv: Node = { id: nextId++, seq: d.seq + 1, inst: null, srcs: [values.indexOf(v)], dst: -1, movTo: v.guest, imm: 0, unit: s.unit, lat: m.latency[s.latency], preds: [], succs: [], live: true };
      v.mov = mv.id;
      movs.push(mv);
      byId.set(mv.id, mv);
    }
    const all = [...g, ...movs].sort((a, b) => a.seq - b.seq);
    const edge = (a: Node | undefined, b: Node | undefined, lat: number): void => {
      if (!a || !b || a === b) return;
      a.succs.push({ n: b.id, lat });
      b.preds.push({ n: a.id, lat });
    };
    const nodeOf = (id: number): Node => byId.get(id)!;
    // True dependences.
    for (const n of all) for (const s of n.srcs) { const v = values[s]!; if (v.def >= 0) edge(nodeOf(v.def), n, nodeOf(v.def).lat); }
    // Guest registers: anti and output dependences between the atoms writing rN.
    for (let x = 1; x < 32; x++) {
      let prevReaders = values[x]!.readers.map(nodeOf);
      let prevWriter: Node | undefined;
      for (const v of materialized) {
        if (v.guest !== x) continue;
        const w = v.home === 'direct' ? nodeOf(v.def) : nodeOf(v.mov);
        for (const r of prevReaders) edge(r, w, 0);
        if (prevWriter) edge(prevWriter, w, Math.max(1, prevWriter.lat - w.lat + 1));
        prevWriter = w;
        prevReaders = v.home === 'direct' ? v.readers.map(nodeOf) : [];
      }
    }
    // Exits: guest-visible effects stay between the exits around them.
    const final = all[all.length - 1]!;
    let lastExit: Node | undefined;
    for (const n of all) {
      const i = n.inst;
      const before = prevExit(n.seq) ? byId.get(prevExit(n.seq)!.id) : undefined;
      const after = byId.get(nextExit(n.seq).id);
      if (isExit(i)) {
        edge(lastExit, n, 0);
        lastExit = n;
      } else {
        const writesGuest = n.movTo > 0 || (n.dst >= 0 && values[n.dst]!.home === 'direct');
        if (writesGuest || i?.op === 'store') { edge(before, n, 1); edge(n, after, 0); }
        else if (i?.op === 'load') { if (!control) edge(before, n, 1); edge(n, after, 0); }
        else if (!control) edge(before, n, 1);
      }
      edge(n, final, 0);
    }
    // Memory.
    addMemoryEdges(all, edge);
    return all;
  }

  function addMemoryEdges(all: Node[], edge: (a: Node, b: Node, lat: number) => void): void {
    const mem = all.filter((n) => n.inst?.op === 'load' || n.inst?.op === 'store');
    for (let j = 0; j < mem.length; j++) {
      const b = mem[j]!;
      for (let i = 0; i < j; i++) {
        const a = mem[i]!;
        if (a.inst!.op === 'load' && b.inst!.op === 'load') continue;
        const r = rel(a, b);
        if (r === 'disjoint') continue;
        if (a.inst!.op === 'store' && b.inst!.op === 'load' && r === 'may' && passes.get(b.id)?.some((s) => s.id === a.id)) continue;
        edge(a, b, 0); // same molecule allowed: slot order is program order
      }
    }
  }

  const byId = new Map<number, Node>(graph.map((n) => [n.id, n]));

  // ---- speculation actually used ----
  const ldp = new Set<number>();
  const stc = new Set<number>();
  for (const [l, ss] of passes) {
    if (!byId.has(l)) continue;
    for (const s of ss) {
      if (cycleOf.get(s.id)! > cycleOf.get(l)!) { ldp.add(l); stc.add(s.id); }
    }
  }

  // ---- 5. register allocation of temporaries ----
  const temps = values.filter((v) => v.def >= 0 && v.home === 'temp' && byId.has(v.def));
  const intervals = temps.map((v) => {
    const start = cycleOf.get(v.def)!;
    const readers = [...v.readers, ...(v.mov >= 0 ? [v.mov] : [])].filter((r) => byId.has(r));
    const end = readers.length > 0 ? Math.max(...readers.map((r) => cycleOf.get(r)!)) : start + byId.get(v.def)!.lat;
    return { v, start, end, seq: byId.get(v.def)!.seq };
  }).sort((a, b) => a.start - b.start || a.seq - b.seq);
  const free: number[] = [];
  for (let r = m.numShadowed; r < m.numRegs; r++) free.push(r);
  const active: { end: number; reg: number }[] = [];
  for (const it of intervals) {
    for (let k = active.length - 1; k >= 0; k--) {
      if (active[k]!.end <= it.start) { free.push(active[k]!.reg); active.splice(k, 1); }
    }
    if (free.length === 0) return undefined;
    free.sort((a, b) => a - b);
    const reg = free.shift()!;
    it.v.phys = reg;
    active.push({ end: it.end, reg });
  }
  for (const v of materialized) if (v.home === 'direct') v.phys = v.guest;

  // ---- emit ----
  const n = Math.max(...graph.map((g) => cycleOf.get(g.id)!)) + 1;
  const buckets: Node[][] = Array.from({ length: n }, () => []);
  for (const g of graph) buckets[cycleOf.get(g.id)!]!.push(g);
  const guestPcOf = new Map<H.Atom, number>();
  const src = (g: Node, k: number): number => values[g.srcs[k]!]!.phys;
  const dst = (g: Node): number => values[g.dst]!.phys;
  const emit = (g: Node): H.Atom => {
    const i = g.inst;
    if (!i) return H.mov(g.dst >= 0 ? dst(g) : g.movTo, src(g, 0));
    switch (i.op) {
      case 'alu': return H.alu(i.alu, dst(g), src(g, 0), src(g, 1));
      case 'alui': return H.aluImm(i.alu, dst(g), src(g, 0), g.imm);
      case 'li': return H.li(dst(g), i.imm);
      case 'cmp': return H.cmp(i.cond, dst(g), src(g, 0), src(g, 1));
      case 'load': {
        const a = H.load(ldp.has(g.id) ? 'ldp' : 'ld', LOAD_W[i.size][i.signed ? 1 : 0], dst(g), src(g, 0), g.imm);
        guestPcOf.set(a, i.pc);
        return a;
      }
      case 'store': {
        const a = H.store(stc.has(g.id) ? 'stc' : 'st', STORE_W[i.size], src(g, 0), src(g, 1), g.imm);
        guestPcOf.set(a, i.pc);
        return a;
      }
      case 'exit': return i.call !== undefined ? H.exitCall(i.target, i.call, i.retired) : H.exit(i.target, i.retired);
      case 'exitIf': return H.exitIf(src(g, 0), i.target, i.retired);
      case 'exitInd':
        return i.call !== undefined ? H.exitIndCall(src(g, 0), i.call, i.retired)
          : i.ret ? H.exitRet(src(g, 0), i.retired) : H.exitInd(src(g, 0), i.retired);
      default: return assertNever(i, 'IR instruction');
    }
  };
  const molecules = buckets.map((b) => H.molecule(...b.sort((x, y) => x.seq - y.seq).map(emit)));
  return { molecules, guestPcOf, protectedLoads: ldp.size, checkedStores: stc.size, renamed: materialized.filter((v) => v.home === 'temp').length };
}

/** Earliest issue cycle of every node from dependences alone (no resource limits). */
function earliestCycles(g: readonly Node[]): Map<number, number> {
  const at = new Map<number, number>();
  for (const n of g) {
    let c = 0;
    for (const p of n.preds) c = Math.max(c, (at.get(p.n) ?? 0) + p.lat);
    at.set(n.id, c);
  }
  return at;
}

/** List scheduling (see 4. in the header): the issue cycle of every node. */
function listSchedule(graph: readonly Node[], m: MachineDesc): Map<number, number> {
  const byId = new Map<number, Node>(graph.map((n) => [n.id, n]));
  const height = new Map<number, number>();
  for (let i = graph.length - 1; i >= 0; i--) {
    const n = graph[i]!;
    let h = n.lat;
    for (const s of n.succs) h = Math.max(h, s.lat + height.get(s.n)!);
    height.set(n.id, h);
  }
  const cycleOf = new Map<number, number>();
  const earliest = new Map<number, number>();
  const npred = new Map<number, number>(graph.map((n) => [n.id, n.preds.length]));
  let ready = graph.filter((n) => n.preds.length === 0);
  const usage: Record<UnitClass, number>[] = [];
  const total: number[] = [];
  const fits = (c: number, u: UnitClass): boolean => (total[c] ?? 0) < m.width && (usage[c]?.[u] ?? 0) < m.slots[u];
  let placed = 0;
  for (let cycle = 0; placed < graph.length; cycle++) {
    if (cycle > 100000) throw new Error('tier-2 scheduler made no progress');
    for (;;) {
      let best: Node | undefined;
      for (const n of ready) {
        if ((earliest.get(n.id) ?? 0) > cycle || !fits(cycle, n.unit)) continue;
        if (!best || height.get(n.id)! > height.get(best.id)! || (height.get(n.id) === height.get(best.id) && n.seq < best.seq)) best = n;
      }
      if (!best) break;
      const b = best;
      ready = ready.filter((n) => n !== b);
      cycleOf.set(b.id, cycle);
      (usage[cycle] ??= { alu: 0, mem: 0, mul: 0, br: 0 })[b.unit]++;
      total[cycle] = (total[cycle] ?? 0) + 1;
      placed++;
      for (const s of b.succs) {
        earliest.set(s.n, Math.max(earliest.get(s.n) ?? 0, cycle + s.lat));
        const left = npred.get(s.n)! - 1;
        npred.set(s.n, left);
        if (left === 0) ready.push(byId.get(s.n)!);
      }
    }
  }

  return cycleOf;
}

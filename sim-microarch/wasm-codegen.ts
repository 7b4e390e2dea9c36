/**
 * Compiling one translation (HostCode) to a wasm function for the fast executor, with the
 * exact semantics and cycle accounting of the reference executor (executor.ts header).
 *
 * The function runs the molecules in order, keeps host registers in wasm locals (memory
 * holds the committed values of r0..r(numShadowed-1), so a rollback is simply not writing
 * them back), and models every dynamic event the reference does — I/D-cache accesses (hits
 * inline, the rest through the runtime module), the store buffer (in locals), alias table,
 * faults, interrupt deadline, and the indirect-branch predictor's common cases. Everything a
 * path through the translation does statically (molecules, atoms, slots, commit waits,
 * buffered stores, exit kinds) is counted per exit and per fault site here, in JS, once: at
 * run time an exit only bumps its own counter (see `StaticVec`).
 *
 * A taken exit tail-calls one of the runtime's exit functions (wasm-runtime.ts) with its
 * record (whose static figures were written at compile time, `words`), its stalls and the
 * stamp clocks: `chain` or `predicted` add its figures and enter the next translation with
 * a tail call through the shared table (the stack does not grow, no driver loop), or return
 * -3 when the run has started its last translation (S.left); `toJs` returns -4, leaving the
 * decision (chained, predicted or to the dispatcher, and its cost) to JS having changed no
 * predictor state. A fault returns -2 (site, cause and address in the scalar slots). A
 * chained exit back to the translation itself loops inside the function.
 */
import { assertNever } from '../core/assert.ts';
import type { AluOp, BranchCond } from '../core/alu.ts';
import { ATOMS, KIND_OPERANDS, type AtomKind, type OperandKind } from '../isa-host-vliw/atoms.ts';
import type { Atom, HostCode } from '../isa-host-vliw/code.ts';
import type { MachineDesc } from '../isa-host-vliw/machine.ts';
import { decodeHostCode, FAULT_CAUSES, type ExitCosts, type FaultCause } from './executor.ts';
import type { Binaryen } from './wasm-binaryen.ts';
import { CS, newModule, PASS_BYTES, R, RUNTIME_IMPORTS, RX, S, touchRecord, type Layout, type WasmPredictor } from './wasm-runtime.ts';

/** Counters a path through a translation adds statically, by index. */
export const VEC = ['molecules', 'atoms', 'issueSlots', 'commitWait', 'commits', 'sbStores', 'sbDrained', 'aliasRecords',
  'aliasChecks', 'ioAccesses', 'exitFallthrough', 'exitSide', 'exitIndirect'] as const;
export type VecName = (typeof VEC)[number];
const V = Object.fromEntries(VEC.map((n, i) => [n, i])) as { readonly [K in VecName]: number };
export type StaticVec = Float64Array;

export interface ExitInfo {
  readonly atom: Atom;
  readonly kind: AtomKind;
  readonly molecule: number;
  readonly atomIdx: number;
  /** Counters from the translation's entry to this exit taken (its commit included). */
  readonly vec: StaticVec;
  /** Exit cost of its kind (fallthrough / sideExit / indirect), before the transfer and
   * before what the indirect-branch predictor charges. */
  readonly kindCost: number;
  /** Execute cycles from entry to the exit (molecules and commit waits). */
  readonly exec: number;
  readonly chainable: boolean;
}

export interface SiteInfo {
  readonly molecule: number;
  /** -1: the interrupt check before the molecule issues. */
  readonly atomIdx: number;
  readonly vec: StaticVec;
  /** Execute cycles from entry to the fault, and of those, since the last commit point. */
  readonly exec: number;
  readonly pendingExec: number;
  /** Guest instructions and pc of the last commit atom before the site (null: none). */
  readonly commitRetired: number;
  readonly commitPc: number | null;
  /** Molecule of the last commit point before the site (-1: the entry). */
  readonly lastCommitMol: number;
}

export interface CodegenOut {
  readonly exits: ExitInfo[];
  readonly sites: SiteInfo[];
  /** Words to write into the record before the function runs: [byte address, i32 value]. */
  readonly words: [number, number][];
}

export interface CodegenEnv {
  readonly b: Binaryen;
  readonly m: InstanceType<Binaryen['Module']>;
  readonly L: Layout;
  readonly desc: MachineDesc;
  readonly costs: ExitCosts;
  readonly moleculeBytes: number;
  /** The indirect-branch predictor in linear memory, with each IBTC entry's compiled record
   * and its generation (i32 each, 8 bytes per entry at ibtcLinks); null when it is off. Call
   * sites' return links are kept the same way at S.linkBase, by site id. */
  readonly pred: WasmPredictor;
  /** The predictor's number for a call site (its exit atom). */
  readonly siteId: (site: Atom) => number;
  /** Do loops watch for due transfers (R.due: a chain log's tier-2 watch)? Without, a loop
   * never leaves for one, and the executor takes no chain log. */
  readonly watchDue: boolean;
}

const CAUSE = Object.fromEntries(FAULT_CAUSES.map((c, i) => [c, i])) as Record<FaultCause, number>;
// A fault site's local holds site × 8 + cause.
if (FAULT_CAUSES.length > 8) throw new Error('fast executor: more fault causes than 3 bits hold');

/** Host functions every translation module imports: [name, params ('i' i32, 'I' i64), i32 result?]. */
export const TRANSLATION_IMPORTS = [
  ...RUNTIME_IMPORTS, ['stored', 'ii', false], ['pageIn', 'i', true],
  ['fwd', 'iiii', true], ['protect', 'ii', true], ['aliases', 'ii', true], ['storeCheck', 'iii', true],
  ['ioLoad', 'iii', true], ['ioStore', 'iiiii', false],
] as const;

/** A module for translations: the shared memory and the imports they call (transfers go
 * through the runtime module's `chain` and `predicted`, which hold the table). */
export function newTranslationModule(b: Binaryen, memPages: number): InstanceType<Binaryen['Module']> {
  const m = newModule(b, memPages, false);
  for (const [name, params, result] of TRANSLATION_IMPORTS) {
    m.addFunctionImport(name, 'env', name, b.createType([...params].map((p) => (p === 'I' ? b.i64 : b.i32))), result ? b.i32 : b.none);
  }
  return m;
}

/** Bytes of `code`'s record: header, per-exit counters and link slots, then one way-hint
 * word per molecule fetch (data accesses use the L1D's per-set hints instead). */
export function recordLayout(code: HostCode): { bytes: number; hintBase: number } {
  let exits = 0;
  const sites = code.molecules.length;
  for (const mol of code.molecules) for (const a of mol.atoms) if (ATOMS[a.op].effects.exit) exits++;
  const hintBase = R.exits + exits * RX.bytes;
  return { bytes: hintBase + sites * 4, hintBase };
}

/** One translation of a group compiled together: its code, table index and record address. */
export interface Member { readonly code: HostCode; readonly cid: number; readonly rec: number }

/** Device accesses read the exit counters mid-run (ioStore's run number): a translation with
 * one neither loops nor joins a group. */
export function canLoop(code: HostCode): boolean {
  return !code.molecules.some((mol) => mol.atoms.some((a) => ATOMS[a.op].mode === 'io'));
}

/**
 * Add the function(s) computing the translations `members` (one, or a group that chain to
 * one another: a loop of several translations). A group is one function whose members are
 * blocks of it, entered by index (param 0): a chained transfer between members whose link is
 * live becomes a branch, with the registers and clocks staying in locals and the transfer's
 * figures counted per exit in locals (as a one-translation loop does). `entries[j]` is the
 * function to put in the table for member j (for a group, a wrapper tail-calling the group
 * function with j). Returns each member's exits and fault sites (the same as compiled alone).
 */
export function compileGroup(env: CodegenEnv, members: readonly Member[], name: string): { outs: CodegenOut[]; entries: string[] } {
  const { b, m, L, desc, costs } = env;
  const { i32 } = b;
  const grouped = members.length > 1;
  if (grouped && !members.every((x) => canLoop(x.code))) throw new Error('fast executor: a translation with device accesses cannot join a group');
  const S0 = L.s;
  const c32 = (v: number) => m.i32.const(v | 0);
  const cf = (v: number) => m.f64.const(v);
  const ldS = (off: number) => m.i32.load(0, 4, c32(S0 + off));
  const stS = (off: number, v: number) => m.i32.store(0, 4, c32(S0 + off), v);
  const addF = (addr: number, v: number) => m.f64.store(0, 8, c32(addr), m.f64.add(m.f64.load(0, 8, c32(addr)), v));

  // ---- locals (a group's entry index is param 0) ----
  const vars: number[] = [];
  const nParams = grouped ? 1 : 0;
  const local = (t: number): number => { vars.push(t); return nParams + vars.length - 1; };
  const regLocal = new Map<number, number>();
  const used = new Set<number>();
  const written = new Set<number>();
  let maxAtoms = 0;
  for (const { code } of members) {
    maxAtoms = Math.max(maxAtoms, decodeHostCode(code, desc.latency).maxAtoms);
    for (const mol of code.molecules) {
      for (const a of mol.atoms) {
        const ops = KIND_OPERANDS[ATOMS[a.op].kind] as readonly OperandKind[];
        if (ops.includes('rs1') || ops.includes('mem')) used.add(a.rs1);
        if (ops.includes('rs2')) used.add(a.rs2);
        if (ops.includes('rs3')) used.add(a.rs3);
        if (ops.includes('rd') && a.rd !== 0) { used.add(a.rd); written.add(a.rd); }
      }
    }
  }
  for (const r of [...used].sort((x, y) => x - y)) regLocal.set(r, local(i32));
  const tl = Array.from({ length: maxAtoms }, () => local(i32));
  const el = Array.from({ length: maxAtoms }, () => local(i32));
  const lAddr = local(i32), lP = local(i32), lV = local(i32), lT = local(i32), lA = local(i32), lB = local(i32);
  const lStI = local(i32), lStD = local(i32), lStAll = local(i32), lLim = local(i32);
  const lSite = local(i32), lFAddr = local(i32), lHits = local(i32), lSbN = local(i32);
  const lLine = local(i32), lW = local(i32), lIWay = local(i32), lStop = local(i32), lTF = local(b.f64);
  // Leaving the function: the value to return, after the deferred figures of a loop (below).
  const lRet = local(i32);
  // ... or, when it leaves by an exit, the runtime's exit function (lMode: 1 chain, 2
  // predicted, 3 toJs) and its arguments (lXr: the exit's record; lTg: the target pc; lT).
  const lMode = local(i32), lXr = local(i32), lTg = local(i32);
  // A loop (a chained transfer to a member of the function, itself included) keeps its time
  // in locals: lDl, cycles to the interrupt deadline (f64: exact, Infinity stays Infinity),
  // and per member the stalls of the iterations that left it for a member (`lSelfSt`). Their
  // static figures are counted per exit (`SelfExit.n`) and added to memory once, when the
  // function leaves.
  const lDl = local(b.f64);
  /** The clock (S.now plus the loop's time so far), for a run's end passed in the loop. */
  const lNow = local(b.f64);
  /** The member running (a group's block index) and its table index (for the fault tail). */
  const lCur = 0, lCid = grouped ? local(i32) : -1;
  const loops = members.every((x) => canLoop(x.code));
  /** The member an exit atom is linked to when compiled (-1: none, or no loops). */
  const inGroup = (a: Atom): number => {
    const kind = ATOMS[a.op].kind;
    return loops && (kind === 'exit' || kind === 'exitIf' || kind === 'exitCall') && a.link !== null ? members.findIndex((x) => x.code === a.link) : -1;
  };
  const hasLoop = members.some((x) => x.code.molecules.some((mol) => mol.atoms.some((a) => inGroup(a) >= 0)));
  const lSelfSt = members.map((x) => (x.code.molecules.some((mol) => mol.atoms.some((a) => inGroup(a) >= 0)) ? local(b.f64) : -1));
  // Per member of a loop: its executions left before its transfers are due (R.due less its
  // executions, those of the loop included): a due transfer leaves the loop, so that the
  // runtime's chain logs it.
  const watch = hasLoop && env.watchDue;
  const lDue = members.map(() => (watch ? local(i32) : -1));
  interface SelfExit { readonly n: number; readonly retired: number; readonly spent: number; readonly cost: number; readonly xr: number; readonly rec: number }
  const selfExits: SelfExit[] = [];
  const i64 = b.i64;
  // The L1I and L1D stamp clocks live in locals: written back before a call that may access
  // that cache (and reloaded after it), at exits and at faults.
  const lIClk = local(i64), lDClk = local(i64);
  const ic = L.l1i;
  const dc = L.l1d;
  const clk = (c: typeof ic) => (c === ic ? lIClk : lDClk);
  const spill = (c: typeof ic) => m.i64.store(0, 8, c32(c.sc + CS.clock), m.local.get(clk(c), i64));
  const reload = (c: typeof ic) => m.local.set(clk(c), m.i64.load(0, 8, c32(c.sc + CS.clock)));
  /** What a leaving exit hands the runtime's exit function to store: the I- and D-stalls since
   * the last commit point and the two stamp clocks. */
  const exitState = () => [get(lStI), get(lStD), m.local.get(lIClk, i64), m.local.get(lDClk, i64)];
  /** A call into code that may access the caches, with the clocks written back around it. */
  const callOut = (call: number): number[] => [spill(ic), spill(dc), call, reload(ic), reload(dc)];
  const stamp = (c: typeof ic, w: number, n: number) => [
    m.local.set(clk(c), m.i64.add(m.local.get(clk(c), i64), m.i64.const(BigInt(n)))),
    m.i64.store(c.lastUse, 8, m.i32.shl(w, c32(3)), m.local.get(clk(c), i64)),
  ];
  // The member being compiled (the closures below read these).
  let { code, cid, rec } = members[0]!;
  let d = decodeHostCode(code, desc.latency);
  let nextHint = 0;
  /** The line of the molecule being fetched. */
  let fetchLine = 0;
  /**
   * One access to cache `c` at the address `addr`, hit path inline: a way hint (I-cache: where
   * this fetch site last found its line; D-cache: the way its set used last) is checked
   * first; a tag match there is a hit — stamp it as the cache function would (its set's
   * last-used line need not change: that pair stays valid until the function replaces a
   * line) — else the runtime function does the whole access. Adds the stall to stI or stD.
   */
  const access = (c: typeof ic, addr: () => number, write: boolean): number[] => {
    const isI = c === ic;
    // A fetch's line is a constant; a data access's goes through lLine (its set's hint reads it).
    const line = isI ? c32(fetchLine) : get(lLine);
    const hs = isI ? nextHint : 0;
    if (isI) nextHint += 4;
    const hint = isI ? m.i32.load(0, 4, c32(hs))
      : m.i32.load(c.hint, 4, m.i32.shl(m.i32.and(get(lLine), c32(c.sets - 1)), c32(2)));
    return [
      ...(isI ? [] : [set(lLine, m.i32.shr_u(addr(), c32(c.lineBits)))]),
      set(lW, hint),
      m.if(m.i32.eq(m.i32.load(c.tags, 4, m.i32.shl(get(lW), c32(2))), line),
        m.block(null, [
          ...stamp(c, get(lW), 1),
          ...(write ? [m.i32.store8(c.dirty, 1, get(lW), c32(1))] : []),
          ...(isI ? [set(lIWay, get(lW))] : []),
        ]),
        m.block(null, [
          spill(c),
          addStall(isI ? m.call('ifetch', [addr()], i32) : m.call('dcache', [addr(), c32(write ? 1 : 0)], i32), isI),
          reload(c),
          ...(isI ? [set(lIWay, m.i32.load(0, 4, c32(c.sc + CS.mruWay))), m.i32.store(0, 4, c32(hs), get(lIWay))] : []),
        ])),
    ];
  };
  const get = (l: number) => m.local.get(l, i32);
  const set = (l: number, v: number) => m.local.set(l, v);
  const reg = (r: number) => get(regLocal.get(r)!);

  const storeRegs = (which: (r: number) => boolean): number[] =>
    [...written].filter(which).map((r) => m.i32.store(0, 4, c32(L.regs + 4 * r), reg(r)));

  // Entry: registers and clocks into their locals, the time to the deadline. (Whoever
  // enters a translation puts it on the touched list: the runtime's run and chain; a group
  // puts its other members there too.) A chained transfer inside the function keeps them.
  const entry: number[] = [];
  for (const [r, l] of regLocal) entry.push(set(l, m.i32.load(0, 4, c32(L.regs + 4 * r))));
  entry.push(reload(ic), reload(dc));
  entry.push(m.local.set(lNow, m.f64.load(0, 8, c32(S0 + S.now))));
  entry.push(m.local.set(lDl, m.f64.sub(m.f64.load(0, 8, c32(S0 + S.irq)), m.local.get(lNow, b.f64))));
  // lLim: cycles left before the deadline as an i32 (saturating: Infinity → INT32_MAX), for
  // the per-molecule check; a loop keeps it in step with lDl (see loopBack).
  const setLim = () => set(lLim, m.i32.trunc_s_sat.f64(m.local.get(lDl, b.f64)));
  entry.push(setLim());
  if (grouped) for (const x of members) entry.push(touchRecord(m, L, c32(x.rec), c32(x.cid)));
  if (watch) {
    members.forEach((x, j) => entry.push(set(lDue[j]!, m.i32.sub(m.i32.load(0, 4, c32(x.rec + R.due)), m.i32.load(0, 4, c32(x.rec + R.execs))))));
  }
  let body: number[] = [];
  /** Static fields of the exits' records (RX): [address, i32 value]. */
  let words: [number, number][] = [];
  let exits: ExitInfo[] = [];
  let sites: SiteInfo[] = [];
  const vec = new Float64Array(VEC.length);
  let exec = 0;
  let execAtCommit = 0;
  let sbN = 0;
  let aliasUsed = false;
  let commitRetired = 0;
  let commitPc: number | null = null;
  let lastCommitMol = -1;
  /** The store buffer's entries in locals (address, value, page offset) and their sizes:
   * which entry a store fills is known statically. */
  const sbA: number[] = [];
  const sbV: number[] = [];
  const sbP: number[] = [];
  let sbSz: number[] = [];
  /** Can a call made so far have set the stop flag (a drain or io store reaching a watched page)? */
  let mayStop = false;

  const site = (molecule: number, atomIdx: number, v: StaticVec): number => {
    sites.push({ molecule, atomIdx, vec: v.slice(), exec, pendingExec: exec - execAtCommit, commitRetired, commitPc, lastCommitMol });
    return sites.length - 1;
  };
  // I-cache: molecules after the first on a line always hit through the cache's
  // last-used-line shortcut (nothing else touches the L1I during a run), so their accesses
  // are counted statically and applied together: stamp clock and hits advance by n, and the
  // line's way gets the last stamp — the state n single accesses leave.
  let pendHits = 0;
  let prevLine = -1;
  const flushHits = (n: number): number[] => (n === 0 ? [] : stamp(ic, get(lIWay), n));
  /** Leave for the fault tail, with the site and its cause in one local (site × 8 + cause;
   * `alt`: another cause when its condition holds). Locals start at zero and a fault happens
   * once per run of the function, so zeros need no setting (fewer nodes: faster to build and
   * compile). */
  const fault = (siteId: number, cause: FaultCause, addr: number | null, alt?: { when: number; cause: FaultCause }): number => m.block(null, [
    set(lSite, alt ? m.select(alt.when, c32(siteId * 8 + CAUSE[alt.cause]), c32(siteId * 8 + CAUSE[cause])) : c32(siteId * 8 + CAUSE[cause])),
    ...(addr === null ? [] : [set(lFAddr, addr)]),
    ...(pendHits ? [set(lHits, c32(pendHits))] : []), ...(sbN ? [set(lSbN, c32(sbN))] : []), m.br('fault'),
  ]);
  const addStall = (s: number, isI: boolean): number => m.block(null, [
    set(lT, s),
    set(isI ? lStI : lStD, m.i32.add(get(isI ? lStI : lStD), get(lT))),
    set(lStAll, m.i32.add(get(lStAll), get(lT))),
  ]);

  const flushStalls = (): number[] => [
    m.if(get(lStI), m.block(null, [addF(S0 + S.cycStallI, m.f64.convert_u.i32(get(lStI))), set(lStI, c32(0))])),
    m.if(get(lStD), m.block(null, [addF(S0 + S.cycStallD, m.f64.convert_u.i32(get(lStD))), set(lStD, c32(0))])),
  ];
  /** The commit sequence: registers, store-buffer drain, alias table, committed cycles
   * (at an exit the runtime's exit function adds the stalls, `atExit`). */
  const commitSeq = (atExit = false): number[] => {
    const out: number[] = storeRegs(() => true);
    vec[V.commits]!++;
    if (sbN > 0) {
      vec[V.sbDrained]! += sbN;
      out.push(m.if(m.i32.lt_s(ldS(S.sbPeak), c32(sbN)), stS(S.sbPeak, c32(sbN))));
      // The drain, in order: D-cache access (a write), the store, then Memory's listeners
      // when the page is watched (code pages, store watchers).
      for (let e = 0; e < sbN; e++) {
        const sz = sbSz[e]!;
        const ptr = m.i32.add(get(sbP[e]!), m.i32.and(get(sbA[e]!), c32(0xfff)));
        out.push(
          ...access(dc, () => get(sbA[e]!), true),
          sz === 4 ? m.i32.store(0, 4, ptr, get(sbV[e]!)) : sz === 2 ? m.i32.store16(0, 2, ptr, get(sbV[e]!)) : m.i32.store8(0, 1, ptr, get(sbV[e]!)),
          m.if(m.i32.load8_u(L.watched, 1, m.i32.shr_u(get(sbA[e]!), c32(12))), m.block(null, [
            ...callOut(m.call('stored', [get(sbA[e]!), c32(sz)], b.none)),
            set(lStop, ldS(S.stop)),
          ])),
        );
      }
      mayStop = true;
      sbN = 0;
    }
    if (aliasUsed) { out.push(stS(S.alCount, c32(0))); aliasUsed = false; }
    // Stall categories (execute is what the run's time leaves once stalls and exits are out).
    if (!atExit) out.push(...flushStalls());
    execAtCommit = exec;
    return out;
  };

  const memAddr = (a: Atom) => set(lAddr, a.imm === 0 ? reg(a.rs1) : m.i32.add(reg(a.rs1), c32(a.imm)));
  const misaligned = (sz: number, mi: number, k: number) =>
    sz > 1 ? [m.if(m.i32.and(get(lAddr), c32(sz - 1)), fault(site(mi, k, vec), 'misaligned', get(lAddr)))] : [];
  /** lP = page offset of lAddr; non-RAM faults with `device` or `access`. */
  const pageOf = (mi: number, k: number) => {
    const s = site(mi, k, vec);
    return [
      set(lP, m.i32.load(L.pt, 4, m.i32.shl(m.i32.shr_u(get(lAddr), c32(12)), c32(2)))),
      m.if(m.i32.eqz(get(lP)), m.block(null, [
        set(lP, m.call('pageIn', [get(lAddr)], i32)),
        m.if(m.i32.le_s(get(lP), c32(0)), fault(s, 'device', get(lAddr), { when: m.i32.eqz(get(lP)), cause: 'access' })),
      ])),
    ];
  };

  /** A device (io) access, done by JS: an access fault, or its D-cache stall. */
  const io = (mi: number, k: number, call: number, store: boolean): number[] => {
    const s = site(mi, k, vec);
    vec[V.ioAccesses]!++;
    if (store) mayStop = true;
    return [
      ...callOut(call), ...(store ? [set(lStop, ldS(S.stop))] : []),
      m.if(ldS(S.ioStatus), fault(s, 'access', get(lAddr))), addStall(ldS(S.ioStall), false),
    ];
  };
  /**
   * Store-to-load forwarding for a load of `sz` bytes at lAddr (its memory value in lV): when
   * no buffered store overlaps it (checked inline) the value stands, else the buffer is
   * written out for JS, which overlays the stores byte by byte as the reference does.
   */
  const forward = (sz: number): number[] => {
    if (sbN === 0) return [];
    let any = 0;
    for (let e = 0; e < sbN; e++) {
      // [lAddr, +sz) and [a, +size) overlap: modular distances, so no end wraps.
      const hit = m.i32.or(m.i32.lt_u(m.i32.sub(get(lAddr), get(sbA[e]!)), c32(sbSz[e]!)), m.i32.lt_u(m.i32.sub(get(sbA[e]!), get(lAddr)), c32(sz)));
      any = e === 0 ? hit : m.i32.or(any, hit);
    }
    const spillSb: number[] = [];
    for (let e = 0; e < sbN; e++) {
      spillSb.push(
        m.i32.store(0, 4, c32(L.sbAddr + 4 * e), get(sbA[e]!)),
        m.i32.store(0, 4, c32(L.sbSize + 4 * e), c32(sbSz[e]!)),
        m.i32.store(0, 4, c32(L.sbVal + 4 * e), get(sbV[e]!)),
      );
    }
    return [m.if(any, m.block(null, [...spillSb, set(lV, m.call('fwd', [get(lAddr), c32(sz), get(lV), c32(sbN)], i32))]))];
  };

  const aluExpr = (op: AluOp, a: number, bExpr: number): number[] => {
    // Division's operands go through locals (its special cases read them again); the other
    // ops read theirs once (fewer nodes: faster to build and compile).
    const again = op === 'div' || op === 'divu' || op === 'rem' || op === 'remu';
    const pre = again ? [set(lA, a), set(lB, bExpr)] : [];
    const A = again ? get(lA) : a, B = again ? get(lB) : bExpr;
    const i64 = m.i64;
    let e: number;
    switch (op) {
      case 'add': e = m.i32.add(A, B); break;
      case 'sub': e = m.i32.sub(A, B); break;
      case 'sll': e = m.i32.shl(A, B); break;
      case 'slt': e = m.i32.lt_s(A, B); break;
      case 'sltu': e = m.i32.lt_u(A, B); break;
      case 'xor': e = m.i32.xor(A, B); break;
      case 'srl': e = m.i32.shr_u(A, B); break;
      case 'sra': e = m.i32.shr_s(A, B); break;
      case 'or': e = m.i32.or(A, B); break;
      case 'and': e = m.i32.and(A, B); break;
      case 'mul': e = m.i32.mul(A, B); break;
      case 'mulh': e = m.i32.wrap(i64.shr_s(i64.mul(i64.extend_s(A), i64.extend_s(B)), i64.const(32n))); break;
      case 'mulhsu': e = m.i32.wrap(i64.shr_s(i64.mul(i64.extend_s(A), i64.extend_u(B)), i64.const(32n))); break;
      case 'mulhu': e = m.i32.wrap(i64.shr_u(i64.mul(i64.extend_u(A), i64.extend_u(B)), i64.const(32n))); break;
      case 'div': e = m.if(m.i32.eqz(B), c32(-1),
        m.if(m.i32.and(m.i32.eq(A, c32(-0x80000000)), m.i32.eq(B, c32(-1))), c32(-0x80000000), m.i32.div_s(A, B))); break;
      case 'divu': e = m.if(m.i32.eqz(B), c32(-1), m.i32.div_u(A, B)); break;
      // wasm's rem_s gives 0 for INT_MIN % -1, as RISC-V does.
      case 'rem': e = m.if(m.i32.eqz(B), A, m.i32.rem_s(A, B)); break;
      case 'remu': e = m.if(m.i32.eqz(B), A, m.i32.rem_u(A, B)); break;
      default: return assertNever(op, 'alu op');
    }
    return [...pre, e];
  };
  const cmpExpr = (c: BranchCond, A: number, B: number): number => {
    switch (c) {
      case 'eq': return m.i32.eq(A, B);
      case 'ne': return m.i32.ne(A, B);
      case 'lt': return m.i32.lt_s(A, B);
      case 'ge': return m.i32.ge_s(A, B);
      case 'ltu': return m.i32.lt_u(A, B);
      case 'geu': return m.i32.ge_u(A, B);
      default: return assertNever(c, 'branch condition');
    }
  };
  const sext = (sz: number, signed: boolean, v: number) =>
    !signed ? v : sz === 1 ? m.i32.extend8_s(v) : sz === 2 ? m.i32.extend16_s(v) : v;

  const outs: CodegenOut[] = [];
  /** Per member: its block (entered by the group's dispatch) and its own loop (a chained
   * transfer to itself branches back there). */
  const blocks: number[][] = [];
  for (const [mi, x] of members.entries()) {
    ({ code, cid, rec } = x);
    d = decodeHostCode(code, desc.latency);
    nextHint = rec + recordLayout(code).hintBase;
    body = [];
    words = [];
    exits = [];
    sites = [];
    vec.fill(0);
    exec = 0; execAtCommit = 0; sbN = 0; aliasUsed = false;
    commitRetired = 0; commitPc = null; lastCommitMol = -1;
    sbSz = [];
    mayStop = false;
    pendHits = 0; prevLine = -1; fetchLine = 0;
    const nMol = code.molecules.length;
    let ended = false;
    for (let i = 0; i < nMol && !ended; i++) {
      const atoms = code.molecules[i]!.atoms;
      // 1. interrupt check before the molecule issues.
      const irqSite = site(i, -1, vec);
      body.push(m.if(m.i32.ge_s(exec === 0 ? get(lStAll) : m.i32.add(get(lStAll), c32(exec)), get(lLim)), fault(irqSite, 'interrupt', null)));
      // 2. fetch; 3. issue.
      const fetchAddr = (code.hostAddr + i * env.moleculeBytes) >>> 0;
      const line = fetchAddr >>> ic.lineBits;
      if (i > 0 && line === prevLine) {
        pendHits++;
      } else {
        body.push(...flushHits(pendHits));
        pendHits = 0;
        prevLine = line;
        fetchLine = line;
        body.push(...access(ic, () => c32(fetchAddr), false));
      }
      exec += 1;
      vec[V.molecules]!++;
      vec[V.atoms]! += atoms.length;
      vec[V.issueSlots]! += desc.width;
      const lands: [number, number][] = [];
      let hasCommit = false;
      const exitAtoms: number[] = [];
      atoms.forEach((a, k) => {
        const spec = ATOMS[a.op];
        const t = tl[k]!;
        switch (spec.kind) {
          case 'alu':
          case 'aluImm': {
            const e = aluExpr(spec.alu!, reg(a.rs1), spec.kind === 'alu' ? reg(a.rs2) : c32(a.imm));
            body.push(...e.slice(0, -1), set(t, e[e.length - 1]!));
            lands.push([a.rd, t]);
            break;
          }
          case 'li': body.push(set(t, c32(a.imm))); lands.push([a.rd, t]); break;
          case 'mov': body.push(set(t, reg(a.rs1))); lands.push([a.rd, t]); break;
          case 'cmp': body.push(set(t, cmpExpr(spec.cond!, reg(a.rs1), reg(a.rs2)))); lands.push([a.rd, t]); break;
          case 'sel': body.push(set(t, m.select(reg(a.rs1), reg(a.rs2), reg(a.rs3)))); lands.push([a.rd, t]); break;
          case 'load': {
            const sz = spec.size!;
            body.push(memAddr(a), ...misaligned(sz, i, k));
            if (spec.mode === 'io') {
              body.push(...io(i, k, set(lV, m.call('ioLoad', [get(lAddr), c32(sz), c32(i)], i32)), false));
            } else {
              body.push(...pageOf(i, k));
              if (spec.mode === 'protected') {
                body.push(m.if(m.i32.eqz(m.call('protect', [get(lAddr), c32(sz)], i32)), fault(site(i, k, vec), 'overflow', get(lAddr))));
                vec[V.aliasRecords]!++;
                aliasUsed = true;
              }
              body.push(...access(dc, () => get(lAddr), false));
              const ptr = m.i32.add(get(lP), m.i32.and(get(lAddr), c32(0xfff)));
              body.push(set(lV, sz === 4 ? m.i32.load(0, 4, ptr) : sz === 2 ? m.i32.load16_u(0, 2, ptr) : m.i32.load8_u(0, 1, ptr)));
              body.push(...forward(sz));
            }
            body.push(set(t, sext(sz, spec.signed === true, get(lV))));
            lands.push([a.rd, t]);
            break;
          }
          case 'store': {
            const sz = spec.size!;
            body.push(memAddr(a), ...misaligned(sz, i, k));
            if (spec.mode === 'io') {
              body.push(...io(i, k, m.call('ioStore', [get(lAddr), c32(sz), reg(a.rs2), c32(cid), c32(i)], b.none), true));
              break;
            }
            body.push(...pageOf(i, k));
            const ws = site(i, k, vec);
            body.push(m.if(m.i32.load8_u(L.watched, 1, m.i32.shr_u(get(lAddr), c32(12))), m.block(null, [
              set(lT, m.call('storeCheck', [get(lAddr), c32(sz), c32(cid)], i32)),
              m.if(get(lT), fault(ws, 'smc', get(lAddr), { when: m.i32.eq(get(lT), c32(1)), cause: 'device' })),
            ])));
            if (spec.mode === 'checked') {
              vec[V.aliasChecks]!++;
              body.push(m.if(m.call('aliases', [get(lAddr), c32(sz)], i32), fault(site(i, k, vec), 'alias', get(lAddr))));
            }
            if (sbN >= L.sbCap) {
              // The buffer is full here on every path: this store always overflows.
              body.push(fault(site(i, k, vec), 'overflow', get(lAddr)));
              ended = true;
              return;
            }
            // Locals for as many entries as this translation fills (the buffer may be large).
            if (sbA.length === sbN) { sbA.push(local(i32)); sbV.push(local(i32)); sbP.push(local(i32)); }
            body.push(set(sbA[sbN]!, get(lAddr)), set(sbV[sbN]!, reg(a.rs2)), set(sbP[sbN]!, get(lP)));
            sbSz[sbN] = sz;
            sbN++;
            vec[V.sbStores]!++;
            break;
          }
          case 'commit': hasCommit = true; break;
          case 'exit': case 'exitCall': exitAtoms.push(k); break;
          case 'exitIf': body.push(set(el[k]!, m.i32.ne(reg(a.rs1), c32(0)))); exitAtoms.push(k); break;
          case 'exitInd': case 'exitIndCall': case 'exitRet': body.push(set(el[k]!, reg(a.rs1))); exitAtoms.push(k); break;
          default: assertNever(spec.kind, 'atom kind');
        }
      });
      if (ended) break;
      // 4. the molecule's writes land.
      for (const [r, t] of lands) if (r !== 0) body.push(set(regLocal.get(r)!, get(t)));
      // 5. commit, then the first taken exit.
      const wt = d.wait[i]!;
      if (hasCommit) {
        exec += wt;
        vec[V.commitWait]! += wt;
        const ca = atoms.find((a) => ATOMS[a.op].kind === 'commit')!;
        body.push(...commitSeq());
        commitRetired = ca.retired;
        commitPc = ca.imm >>> 0;
        lastCommitMol = i;
      }
      for (const k of exitAtoms) {
        const a = atoms[k]!;
        const kind = ATOMS[a.op].kind;
        // The exit path, built on copies of the static state (a side exit may not be taken).
        const saved: { vec: Float64Array; exec: number; execAtCommit: number; sbN: number; aliasUsed: boolean } = { vec: vec.slice(), exec, execAtCommit, sbN, aliasUsed };
        if (!hasCommit) { exec += wt; vec[V.commitWait]! += wt; }
        const seq = commitSeq(true);
        const direct = kind === 'exit' || kind === 'exitCall';
        const kindCost = direct ? costs.fallthrough : kind === 'exitIf' ? costs.sideExit : costs.indirect;
        vec[direct ? V.exitFallthrough : kind === 'exitIf' ? V.exitSide : V.exitIndirect]!++;
        const j = exits.length;
        const chainable = kind === 'exit' || kind === 'exitIf' || kind === 'exitCall';
        exits.push({ atom: a, kind, molecule: i, atomIdx: k, vec: vec.slice(), kindCost, exec, chainable });
        const xr = rec + R.exits + j * RX.bytes;
        // Direct exits and calls chain through their link slot; indirect exits and returns
        // are predicted when the prediction hits compiled code (the runtime's ibtc and ras);
        // JS decides the rest.
        const P = env.pred;
        const push = kind === 'exitCall' && P !== null && P.depth > 0;
        const costChained = kindCost + costs.chained + (push ? P.ras.pushCost : 0);
        const costPredicted = kindCost + (kind === 'exitInd' && P ? P.ibtc.hitCost : kind === 'exitRet' && P ? P.ras.hitCost : 0);
        // What the runtime's exit functions need of this exit, in its record.
        words.push([xr + RX.rec, rec], [xr + RX.idx, j], [xr + RX.retired, a.retired], [xr + RX.exec, exec],
          [xr + RX.costChained, costChained], [xr + RX.costPredicted, costPredicted]);
        const target = () => (direct || kind === 'exitIf' ? c32(a.imm) : get(el[k]!));
        seq.push(...flushHits(pendHits));
        // An exit linked to a member when it is compiled (itself: a one-block loop; the link
        // is made on the first traversals, in the reference executor) may loop.
        const tgt = chainable ? inGroup(a) : -1;
        /** Leave by the runtime's exit function `fn` (chain and predicted enter the record in
         * lT): directly, or after the loop's figures when the translation has a loop. */
        const out = (fn: 'chain' | 'predicted' | 'toJs'): number[] => {
          const args = [c32(xr), get(lStAll), ...(fn === 'toJs' ? [] : [get(lT)]), target(), ...exitState()];
          if (!hasLoop) return [m.return_call(fn, args, i32)];
          return [set(lXr, c32(xr)), set(lTg, target()), set(lMode, c32(fn === 'chain' ? 1 : fn === 'predicted' ? 2 : 3)), m.br('leave')];
        };
        /** The chained transfer to member `tgt` while the run may start another translation:
         * a branch, its figures kept in locals. */
        const loopBack = (cost: number): number[] => {
          const n = local(i32);
          const st = lSelfSt[mi]!;
          selfExits.push({ n, retired: a.retired, spent: exec + cost, cost, xr, rec });
          const stall = m.f64.convert_u.i32(get(lStAll));
          const F = b.f64;
          // A run's end passes here as in the runtime's chain (wasm-runtime.ts, `transfer`):
          // the exit retired an instruction (static), the clock there is below the deadline,
          // no transfer was due and neither translation is (this one is not: see below).
          const nextDue = tgt === mi || !watch ? c32(0) : m.i32.le_s(get(lDue[tgt]!), c32(0));
          const pass = a.retired === 0 ? [] : [m.if(m.i32.eqz(get(lA)), m.if(m.i32.and(m.i32.and(m.i32.ne(ldS(S.passLeft), c32(0)),
            m.f64.gt(m.f64.sub(m.local.get(lDl, F), m.local.get(lTF, F)), cf(0))), watch ? m.i32.eqz(m.i32.or(ldS(S.dueSeen), nextDue)) : c32(1)), m.block(null, [
            stS(S.passLeft, m.i32.sub(ldS(S.passLeft), c32(1))),
            set(lA, ldS(S.passPtr)),
            m.i32.store(0, 4, get(lA), c32(xr)),
            m.i32.store(4, 4, get(lA), target()),
            m.f64.store(8, 8, get(lA), m.f64.add(m.local.get(lNow, F), m.local.get(lTF, F))),
            stS(S.passPtr, m.i32.add(get(lA), c32(PASS_BYTES))),
            // Counted in `n` below, but a run's end, not a transfer inside the run.
            ...(watch ? [m.if(ldS(S.logPtr), addF(xr + RX.logged, cf(-1)))] : []),
            set(lA, ldS(S.runLen)),
          ])))];
          // A transfer that is not due (its count then below R.due: lDue more than 1) stays.
          const stays = m.i32.eq(get(lT), c32(members[tgt]!.rec));
          return [m.if(watch ? m.i32.and(stays, m.i32.gt_s(get(lDue[mi]!), c32(1))) : stays, m.block(null, [
            // lTF: the transfer's time (the iteration's execute, stalls and exit cost).
            m.local.set(lTF, m.f64.add(cf(exec + cost), stall)),
            set(lA, ldS(S.left)),
            ...pass,
            m.if(get(lA), m.block(null, [
              stS(S.left, m.i32.sub(get(lA), c32(1))),
              ...(watch ? [set(lDue[mi]!, m.i32.sub(get(lDue[mi]!), c32(1)))] : []),
              set(n, m.i32.add(get(n), c32(1))),
              m.local.set(st, m.f64.add(m.local.get(st, F), m.f64.convert_u.i32(get(lStAll)))),
              m.local.set(lDl, m.f64.sub(m.local.get(lDl, F), m.local.get(lTF, F))),
              // lDl only falls: at or above 2^31 lLim is INT32_MAX already (the conversion is
              // on the loop's critical path, so it is skipped while the deadline is far).
              m.if(m.f64.lt(m.local.get(lDl, F), cf(0x7fffffff)), setLim()),
              m.local.set(lNow, m.f64.add(m.local.get(lNow, F), m.local.get(lTF, F))),
              set(lStAll, c32(0)),
              ...flushStalls(),
              ...(tgt === mi ? [m.br(`self${mi}`)] : [set(lCur, c32(tgt)), m.br('top')]),
            ])),
          ]))];
        };
        // The stop flag is clear when a translation starts (or it would not have been entered):
        // only this translation's own drains and io stores can have set it. Told to stop, the
        // predictor is not consulted either.
        const unlessStop = (e: number) => (mayStop ? m.if(m.i32.eqz(get(lStop)), e) : e);
        if (chainable) {
          // Is the record in the link slot live (its generation as when it was linked)?
          const live = m.i32.and(m.i32.ne(get(lT), c32(0)),
            m.i32.eq(m.i32.load(0, 4, m.i32.add(get(lT), c32(R.gen))), m.i32.load(0, 4, c32(xr + RX.slotGen))));
          seq.push(set(lT, m.i32.load(0, 4, c32(xr + RX.slotRec))), m.if(live, unlessStop(m.block(null, [
            // A call pushes its return address and call site first (IndirectPredictor.call).
            ...(push ? [m.call('rasPush', [c32(a.retPc), c32(env.siteId(a))], b.none)] : []),
            ...(tgt >= 0 ? loopBack(costChained) : []),
            ...out('chain'),
          ]))));
        }
        if ((kind === 'exitInd' && P && P.sets > 0) || (kind === 'exitRet' && P && P.depth > 0)) {
          seq.push(unlessStop(m.block(null, [
            set(lT, m.call(kind === 'exitInd' ? 'ibtc' : 'ras', [target()], i32)),
            m.if(get(lT), m.block(null, out('predicted'))),
          ])));
        }
        seq.push(...out('toJs'));
        body.push(kind === 'exitIf' ? m.if(get(el[k]!), m.block(null, seq)) : m.block(null, seq));
        if (kind !== 'exitIf') { ended = true; break; }
        vec.set(saved.vec);
        exec = saved.exec; execAtCommit = saved.execAtCommit; sbN = saved.sbN; aliasUsed = saved.aliasUsed;
      }
    }
    // Falling off the last molecule is invalid code (the reference throws too).
    body.push(m.unreachable());
    blocks.push([...(grouped ? [set(lCid, c32(cid))] : []), m.loop(`self${mi}`, m.block(null, body))]);
    outs.push({ exits, sites, words });
  }

  const faultTail = [
    ...storeRegs((r) => r >= desc.numShadowed),
    m.if(get(lHits), m.block(null, [
      m.local.set(lIClk, m.i64.add(m.local.get(lIClk, i64), m.i64.extend_u(get(lHits)))),
      m.i64.store(ic.lastUse, 8, m.i32.shl(get(lIWay), c32(3)), m.local.get(lIClk, i64)),
    ])),
    spill(ic), spill(dc),
    m.if(m.i32.lt_s(ldS(S.sbPeak), get(lSbN)), stS(S.sbPeak, get(lSbN))),
    stS(S.sbCount, c32(0)), stS(S.alCount, c32(0)),
    m.f64.store(0, 8, c32(S0 + S.pendStallI), m.f64.convert_u.i32(get(lStI))),
    m.f64.store(0, 8, c32(S0 + S.pendStallD), m.f64.convert_u.i32(get(lStD))),
    m.f64.store(0, 8, c32(S0 + S.runStall), m.f64.convert_u.i32(get(lStAll))),
    stS(S.faultSite, m.i32.shr_u(get(lSite), c32(3))), stS(S.faultCause, m.i32.and(get(lSite), c32(7))), stS(S.faultAddr, get(lFAddr)), stS(S.exitCid, grouped ? get(lCid) : c32(cid)),
    set(lRet, c32(-2)),
  ];
  // The loop's iterations, added as separate executions would have (integers: exact in f64
  // whatever the order of the additions).
  const flushLoops: number[] = selfExits.map((x) => m.if(get(x.n), m.block(null, [
    m.local.set(lTF, m.f64.convert_u.i32(get(x.n))),
    addF(S0 + S.retired, m.f64.mul(m.local.get(lTF, b.f64), cf(x.retired))),
    m.i32.store(0, 4, c32(x.rec + R.execs), m.i32.add(m.i32.load(0, 4, c32(x.rec + R.execs)), get(x.n))),
    addF(x.xr + RX.chained, m.local.get(lTF, b.f64)),
    // Every transfer of the loop continued a run: logged, when there is a log.
    ...(env.watchDue ? [m.if(ldS(S.logPtr), addF(x.xr + RX.logged, m.local.get(lTF, b.f64)))] : []),
    addF(S0 + S.exitCycles, m.f64.mul(m.local.get(lTF, b.f64), cf(x.cost))),
    addF(S0 + S.now, m.f64.mul(m.local.get(lTF, b.f64), cf(x.spent))),
    addF(x.rec + R.cycles, m.f64.mul(m.local.get(lTF, b.f64), cf(x.spent))),
  ])));
  members.forEach((x, mi) => {
    const st = lSelfSt[mi]!;
    if (st >= 0) {
      flushLoops.push(m.if(m.f64.ne(m.local.get(st, b.f64), cf(0)), m.block(null, [
        addF(S0 + S.now, m.local.get(st, b.f64)), addF(x.rec + R.cycles, m.local.get(st, b.f64)),
      ])));
    }
  });
  // A group dispatches to the member lCur names: block m_j ends where member j's code starts.
  let dispatch: number;
  if (!grouped) dispatch = m.block(null, blocks[0]!);
  else {
    dispatch = m.block('m0', [m.switch(members.map((_, j) => `m${j}`), 'm0', get(lCur))]);
    blocks.forEach((blk, j) => { dispatch = m.block(j + 1 < blocks.length ? `m${j + 1}` : null, [dispatch, ...blk]); });
    dispatch = m.loop('top', dispatch);
  }
  const main = m.block('fault', [...entry, dispatch]);
  const byMode = !hasLoop ? [] : [m.if(get(lMode), m.if(m.i32.eq(get(lMode), c32(3)),
    m.return_call('toJs', [get(lXr), get(lStAll), get(lTg), ...exitState()], i32),
    m.if(m.i32.eq(get(lMode), c32(1)),
      m.return_call('chain', [get(lXr), get(lStAll), get(lT), get(lTg), ...exitState()], i32),
      m.return_call('predicted', [get(lXr), get(lStAll), get(lT), get(lTg), ...exitState()], i32))))];
  m.addFunction(name, grouped ? i32 : b.none, i32, vars, m.block(null, [m.block('leave', [main, ...faultTail]), ...flushLoops, ...byMode, get(lRet)], i32));
  if (!grouped) return { outs, entries: [name] };
  const entries = members.map((_, j) => {
    m.addFunction(`${name}_${j}`, b.none, i32, [], m.return_call(name, [c32(j)], i32));
    return `${name}_${j}`;
  });
  return { outs, entries };
}

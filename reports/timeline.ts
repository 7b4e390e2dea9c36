/**
 * Activity over time for the run report: cumulative snapshots of the cycle account,
 * retired instructions (interpreted, translated) and translations made per tier, taken as
 * the run crosses every `interval` cycles. The interval doubles whenever the snapshots
 * reach twice the target count (every other one is dropped), so a run of any length yields
 * between `target` and 2 × `target` samples without knowing its length in advance.
 *
 * The code-morphing runtime is sampled from its per-step hook, which costs no simulated
 * cycles, so a sampled run is cycle for cycle the run without sampling. The interpreter and
 * the in-order core are run in instruction slices instead; they retire one instruction at a
 * time, so slicing does not change their timing either (test/run-report.test.ts checks both).
 */
import type { GuestMachine, RunResult } from '../morph/machine.ts';

export interface Sample {
  readonly cycles: number;
  readonly instret: number;
  readonly interpreted: number;
  readonly translated: number;
  /** Translations made so far, by tier. */
  readonly tier1: number;
  readonly tier2: number;
  /** Cumulative cycles per category (CYCLE_CATEGORIES order). */
  readonly breakdown: readonly number[];
}

export class Timeline {
  readonly samples: Sample[] = [];
  private interval: number;
  private next: number;

  constructor(private readonly machine: GuestMachine, private readonly target = 150, firstInterval = 5000) {
    this.interval = firstInterval;
    this.next = firstInterval;
  }

  /** Cycles between samples at present. */
  get spacing(): number { return this.interval; }

  /** Take a snapshot if the run has crossed the next sampling point (or `force`). */
  poll(force = false): void {
    const m = this.machine;
    const cycles = m.account.total();
    if (!force && cycles < this.next) return;
    const rt = m.runtime;
    const instret = m.hart.instret;
    const last = this.samples[this.samples.length - 1];
    if (last && last.cycles === cycles && last.instret === instret) return;
    this.samples.push({
      cycles, instret,
      interpreted: rt ? rt.c.interpretedInsns : instret,
      translated: rt ? rt.c.translatedInsns : 0,
      tier1: rt ? rt.tcache.history.count(1) : 0, tier2: rt ? rt.tcache.history.count(2) : 0,
      breakdown: Array.from(m.account.by),
    });
    while (this.next <= cycles) this.next += this.interval;
    if (this.samples.length >= 2 * this.target) {
      const kept = this.samples.filter((_, i) => i % 2 === 1);
      this.samples.length = 0;
      this.samples.push(...kept);
      this.interval *= 2;
      this.next = cycles - (cycles % this.interval) + this.interval;
    }
  }
}

/** Run a machine to completion (or `maxInstret`) while sampling its activity. */
export function runWithTimeline(machine: GuestMachine, maxInstret: number): { result: RunResult; timeline: Sample[] } {
  const tl = new Timeline(machine);
  const rt = machine.runtime;
  let result: RunResult;
  if (rt) {
    const prev = rt.onStep;
    rt.onStep = prev ? (info) => { prev(info); tl.poll(); } : () => tl.poll();
    try {
      result = machine.run(maxInstret);
    } finally {
      rt.onStep = prev;
    }
  } else {
    // Slices of instructions sized so each covers roughly one sampling interval's worth.
    let slice = 2000;
    for (;;) {
      const c0 = machine.account.total();
      const i0 = machine.hart.instret;
      result = machine.run(Math.min(maxInstret, i0 + slice));
      tl.poll();
      if (result.stop === 'exit' || result.instret >= maxInstret) break;
      const cpi = (machine.account.total() - c0) / Math.max(1, result.instret - i0);
      slice = Math.max(100, Math.floor(tl.spacing / Math.max(cpi, 1e-3)));
    }
  }
  tl.poll(true);
  return { result, timeline: tl.samples };
}

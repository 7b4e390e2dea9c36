/**
 * Retranslation policies: given what the profiler saw of one translation, decide whether to
 * re-make it, why, and with what speculation. Policies are registered by name in a
 * PolicyRegistry (one per machine; no global state), so experiments can supply their own
 * through the public entry point and select it with MachineOptions.policy. The runtime
 * enforces the hard bound (`tier.maxVersions`) and re-forms the trace from the current
 * profile, so a re-made trace also follows the path that became hot.
 */
import type { RollbackCause } from '../profiler/profile.ts';
import type { Speculation } from '../tcache.ts';
import type { tierParams } from '../params.ts';

/** What a policy sees of one live translation. */
export interface TranslationReport {
  readonly entryPc: number;
  readonly tier: 1 | 2;
  /** Version number of this translation of entryPc (1 for the first). */
  readonly version: number;
  readonly speculation: Speculation;
  /** Executions of this version. */
  readonly executions: number;
  /** Rollbacks of this version by cause. */
  readonly faults: Readonly<Record<RollbackCause, number>>;
  /** Side exits of this version (exits other than its final one) by guest target, most taken first. */
  readonly sideExits: readonly { readonly target: number; readonly count: number }[];
  /** The tier parameters of the run (thresholds a policy may read). */
  readonly params: ReturnType<typeof tierParams.read>;
}

export interface Retranslation {
  /** Why (recorded in the translation's history; shown in reports). */
  readonly reason: string;
  /** Speculation the new version may use. */
  readonly speculation: Speculation;
}

export interface RetranslationPolicy {
  readonly name: string;
  readonly description: string;
  /** Called when the translation is about to run or has just run; undefined: keep it. */
  decide(t: TranslationReport): Retranslation | undefined;
}

export class PolicyRegistry {
  private readonly byName = new Map<string, RetranslationPolicy>();

  /** A registry holding the built-in policies. */
  static withBuiltins(): PolicyRegistry {
    return new PolicyRegistry().register(defaultPolicy).register(neverPolicy);
  }

  register(p: RetranslationPolicy): this {
    if (this.byName.has(p.name)) throw new Error(`retranslation policy '${p.name}' is already registered`);
    this.byName.set(p.name, p);
    return this;
  }

  get(name: string): RetranslationPolicy {
    const p = this.byName.get(name);
    if (!p) throw new Error(`unknown retranslation policy '${name}' (registered: ${this.names().join(', ')})`);
    return p;
  }

  names(): string[] { return [...this.byName.keys()].sort(); }
}

/** Reasons the default policy records (stable names: statistics count them). */
export const REASONS = { alias: 'alias-faults', rollbacks: 'rollbacks', sideExit: 'side-exit' } as const;

/**
 * The default: a tier-2 translation whose protected loads keep faulting is re-made without
 * memory speculation; one whose hoisted loads keep rolling back, without control
 * speculation; one that leaves through one side exit for a large share of its executions is
 * re-formed along the path that became hot.
 */
export const defaultPolicy: RetranslationPolicy = {
  name: 'default',
  description: 'drop the speculation that failed past tier.aliasFaultLimit / tier.rollbackLimit; re-form a trace whose side exit exceeds tier.sideExitRatio',
  decide(t) {
    if (t.tier !== 2) return undefined;
    const p = t.params;
    if (t.speculation.memory && t.faults.alias >= p.aliasFaultLimit) {
      return { reason: REASONS.alias, speculation: { ...t.speculation, memory: false } };
    }
    const other = t.faults.access + t.faults.misaligned + t.faults.overflow;
    if (t.speculation.control && other >= p.rollbackLimit) {
      return { reason: REASONS.rollbacks, speculation: { ...t.speculation, control: false } };
    }
    const top = t.sideExits[0];
    if (t.executions >= p.sideExitMinExecs && top && top.count >= p.sideExitRatio * t.executions) {
      return { reason: REASONS.sideExit, speculation: t.speculation };
    }
    return undefined;
  },
};

/** Never re-make a translation (the tier-2 version made first stays). */
export const neverPolicy: RetranslationPolicy = {
  name: 'never',
  description: 'keep every translation as first made',
  decide: () => undefined,
};

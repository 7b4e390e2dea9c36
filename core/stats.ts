/**
 * The statistics mechanism. Each layer declares its statistics once, with unit and
 * description; derived statistics (IPC, hit rates, molecule fill) are formulas over the
 * others. Components keep plain number fields on their hot paths and hand them to the
 * registry at the end of a run through the typed `values()` of their group, so a misspelt
 * statistic does not compile. Reports read names, units and docs from here and never keep
 * a second list (STYLE.md point 12).
 */

export interface CounterDef { readonly kind: 'counter'; readonly unit: string; readonly doc: string }
export interface FormulaDef {
  readonly kind: 'formula';
  readonly unit: string;
  readonly doc: string;
  /** Computed from the other statistics (by full name); NaN-safe callers should guard divisions. */
  readonly fn: (get: (name: string) => number) => number;
}
export type StatDef = CounterDef | FormulaDef;

export const counter = (unit: string, doc: string): CounterDef => ({ kind: 'counter', unit, doc });
export const formula = (unit: string, doc: string, fn: FormulaDef['fn']): FormulaDef => ({ kind: 'formula', unit, doc, fn });

/** Division that reports 0 for an empty denominator, so formulas stay finite in JSON. */
export const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);

type CounterKeys<S> = { [K in keyof S]: S[K] extends CounterDef ? K : never }[keyof S];

export interface StatGroup<S extends Record<string, StatDef> = Record<string, StatDef>> {
  readonly group: string;
  readonly defs: S;
  /** Turn a component's counters into named values ("group.name" keys). */
  values(v: { readonly [K in CounterKeys<S>]: number }): Record<string, number>;
}

export function defineStats<const S extends Record<string, StatDef>>(group: string, defs: S): StatGroup<S> {
  return {
    group,
    defs,
    values(v) {
      const out: Record<string, number> = {};
      for (const [k, d] of Object.entries(defs)) {
        if (d.kind === 'counter') out[`${group}.${k}`] = (v as Record<string, number>)[k] ?? 0;
      }
      return out;
    },
  };
}

export interface StatEntry { readonly name: string; readonly def: StatDef }

/** All statistic groups, flattened. */
export class StatRegistry {
  readonly entries: readonly StatEntry[];
  private readonly byName: ReadonlyMap<string, StatDef>;

  constructor(groups: readonly StatGroup[]) {
    const entries: StatEntry[] = [];
    const byName = new Map<string, StatDef>();
    for (const g of groups) {
      for (const [k, def] of Object.entries(g.defs)) {
        const name = `${g.group}.${k}`;
        if (byName.has(name)) throw new Error(`statistic ${name} declared twice`);
        byName.set(name, def);
        entries.push({ name, def });
      }
    }
    this.entries = entries;
    this.byName = byName;
  }

  def(name: string): StatDef | undefined { return this.byName.get(name); }

  /**
   * Complete a set of counter values with every formula, in registry order. Counters not
   * present are 0; names not in the registry are rejected (a component reporting an
   * undeclared statistic is a bug).
   */
  evaluate(counters: Readonly<Record<string, number>>): Record<string, number> {
    for (const name of Object.keys(counters)) {
      if (!this.byName.has(name)) throw new Error(`statistic ${name} is not declared in the registry`);
    }
    const out: Record<string, number> = {};
    for (const e of this.entries) if (e.def.kind === 'counter') out[e.name] = counters[e.name] ?? 0;
    const get = (n: string): number => {
      const v = out[n];
      if (v === undefined) throw new Error(`formula refers to unknown statistic ${n}`);
      return v;
    };
    for (const e of this.entries) if (e.def.kind === 'formula') out[e.name] = e.def.fn(get);
    return out;
  }
}

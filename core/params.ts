/**
 * The parameter mechanism. Every tunable number of the simulator (machine, caches, cost
 * model, platform, tiering policy) is declared once, as data, by the layer that owns it:
 * name, type, default, unit, valid range, one line of doc and the rationale for the
 * default. The CLI flags, `morphsim config`, configuration validation and report labels
 * are all derived from the composed registry (see morph/config.ts), so no second list of
 * names can drift (STYLE.md point 12).
 */
import { createHash } from 'node:crypto';
import { UsageError } from './errors.ts';

export type ParamValue = number | boolean | string;

interface SpecBase {
  readonly unit: string;
  readonly doc: string;
  /** Why the default is what it is (a paper, a manual, a measured machine). */
  readonly rationale?: string;
}
export interface IntSpec extends SpecBase { readonly type: 'int'; readonly default: number; readonly min: number; readonly max: number }
export interface FloatSpec extends SpecBase { readonly type: 'float'; readonly default: number; readonly min: number; readonly max: number }
export interface BoolSpec extends SpecBase { readonly type: 'bool'; readonly default: boolean }
export interface EnumSpec<C extends string = string> extends SpecBase { readonly type: 'enum'; readonly default: C; readonly choices: readonly C[] }
export type ParamSpec = IntSpec | FloatSpec | BoolSpec | EnumSpec;

export type ValueOf<S> = S extends BoolSpec ? boolean : S extends EnumSpec<infer C> ? C : number;

export const int = (d: number, unit: string, min: number, max: number, doc: string, rationale?: string): IntSpec =>
  ({ type: 'int', default: d, unit, min, max, doc, rationale });
export const float = (d: number, unit: string, min: number, max: number, doc: string, rationale?: string): FloatSpec =>
  ({ type: 'float', default: d, unit, min, max, doc, rationale });
export const bool = (d: boolean, doc: string, rationale?: string): BoolSpec =>
  ({ type: 'bool', default: d, unit: '', doc, rationale });
export const oneOf = <const C extends string>(d: NoInfer<C>, choices: readonly C[], doc: string, rationale?: string): EnumSpec<C> =>
  ({ type: 'enum', default: d, choices, unit: '', doc, rationale });

/** A resolved configuration: every registered parameter by full name ("vliw.width"). */
export type Config = Readonly<Record<string, ParamValue>>;

export interface ParamGroup<P extends Record<string, ParamSpec> = Record<string, ParamSpec>> {
  /** Prefix of every name in the group, e.g. "vliw". */
  readonly group: string;
  readonly specs: P;
  /** Typed view of this group's values in a resolved configuration. */
  read(cfg: Config): { readonly [K in keyof P]: ValueOf<P[K]> };
}

export function defineParams<const P extends Record<string, ParamSpec>>(group: string, specs: P): ParamGroup<P> {
  for (const [k, s] of Object.entries(specs)) {
    if ((s.type === 'int' || s.type === 'float') && !(s.min <= s.default && s.default <= s.max))
      throw new Error(`param ${group}.${k}: default ${s.default} outside [${s.min}, ${s.max}]`);
  }
  return {
    group,
    specs,
    read(cfg) {
      const out: Record<string, ParamValue> = {};
      for (const k of Object.keys(specs)) {
        const v = cfg[`${group}.${k}`];
        if (v === undefined) throw new Error(`configuration lacks ${group}.${k} (was it resolved with this registry?)`);
        out[k] = v;
      }
      return out as { readonly [K in keyof P]: ValueOf<P[K]> };
    },
  };
}

/** One row of the flattened registry. */
export interface ParamEntry { readonly name: string; readonly spec: ParamSpec }

/** The composed registry: all groups, flattened, names unique. */
export class ParamRegistry {
  readonly entries: readonly ParamEntry[];
  private readonly byName: ReadonlyMap<string, ParamSpec>;

  constructor(groups: readonly ParamGroup[]) {
    const entries: ParamEntry[] = [];
    const byName = new Map<string, ParamSpec>();
    for (const g of groups) {
      for (const [k, spec] of Object.entries(g.specs)) {
        const name = `${g.group}.${k}`;
        if (byName.has(name)) throw new Error(`parameter ${name} declared twice`);
        byName.set(name, spec);
        entries.push({ name, spec });
      }
    }
    this.entries = entries;
    this.byName = byName;
  }

  spec(name: string): ParamSpec | undefined { return this.byName.get(name); }

  defaults(): Config {
    return Object.freeze(Object.fromEntries(this.entries.map((e) => [e.name, e.spec.default])));
  }

  /**
   * Apply overrides (from --config JSON and --set, in that order) on top of the defaults.
   * Values may be typed (from JSON) or strings (from --set). Every error is a UsageError that
   * names the parameter and what it accepts.
   */
  resolve(...layers: readonly Readonly<Record<string, unknown>>[]): Config {
    const out: Record<string, ParamValue> = { ...this.defaults() };
    for (const layer of layers) {
      for (const [name, raw] of Object.entries(layer)) out[name] = this.check(name, raw);
    }
    return Object.freeze(out);
  }

  /** Validate one value; strings are parsed according to the parameter's type. */
  check(name: string, raw: unknown): ParamValue {
    const spec = this.byName.get(name);
    if (!spec) {
      const near = this.closest(name);
      throw new UsageError(`unknown parameter '${name}'${near ? ` (did you mean '${near}'?)` : ''}; 'morphsim config' lists them all`);
    }
    const bad = (what: string) => new UsageError(`parameter ${name}: ${what}`);
    switch (spec.type) {
      case 'bool': {
        if (typeof raw === 'boolean') return raw;
        if (raw === 'true' || raw === '1') return true;
        if (raw === 'false' || raw === '0') return false;
        throw bad(`expected true or false, got ${JSON.stringify(raw)}`);
      }
      case 'enum': {
        if (typeof raw === 'string' && (spec.choices as readonly string[]).includes(raw)) return raw;
        throw bad(`expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(raw)}`);
      }
      case 'int':
      case 'float': {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        const range = `[${spec.min}, ${spec.max}] ${spec.unit}`.trimEnd();
        // (JSON numbers too large for a double parse as Infinity, which JSON.stringify shows as null)
        if (!Number.isFinite(n)) throw bad(`expected a number in ${range}, got ${typeof raw === 'number' ? raw : JSON.stringify(raw)}`);
        if (spec.type === 'int' && !Number.isInteger(n)) throw bad(`expected an integer in ${range}, got ${n}`);
        if (n < spec.min || n > spec.max) throw bad(`${n} is outside the valid range ${range}`);
        return n;
      }
    }
  }

  /** The registered name nearest to `name` by edit distance, if any is reasonably near. */
  closest(name: string): string | undefined {
    let best: string | undefined;
    let bestD = Infinity;
    for (const e of this.entries) {
      const tail = e.name.slice(e.name.indexOf('.') + 1);
      const d = Math.min(editDistance(name, e.name), editDistance(name, tail) + 1);
      if (d < bestD) { bestD = d; best = e.name; }
    }
    return bestD <= Math.max(3, Math.floor(name.length / 3)) ? best : undefined;
  }
}

export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Stable hash of a resolved configuration (keys sorted), for provenance and sweep dedup. */
export function configHash(cfg: Config): string {
  const canon = JSON.stringify(Object.keys(cfg).sort().map((k) => [k, cfg[k]]));
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

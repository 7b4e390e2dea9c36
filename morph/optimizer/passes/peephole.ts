/**
 * The peephole pass: applies the declarative rewrite rules of `passes/rules/` (one file per
 * topic: identities, canonical forms, reassociation, comparisons, strength reduction) with
 * the rule engine of rules.ts. The rules are where small algebraic knowledge lives, each a
 * few lines of IR text that a reviewer can check against RV32 semantics; the differential
 * tests check each of them against the IR interpreter. `peepholePassWith` builds the same
 * pass over another rule list, for library users who bring their own rules.
 */
import type { Pass } from '../passes.ts';
import { applyRules, RuleSet, type Rule } from '../rules.ts';
import { CANONICAL_RULES } from './rules/canonical.ts';
import { COMPARE_RULES } from './rules/compare.ts';
import { IDENTITY_RULES } from './rules/identities.ts';
import { REASSOCIATE_RULES } from './rules/reassociate.ts';
import { STRENGTH_RULES } from './rules/strength.ts';

/** morphsim's rules, by topic. */
export const DEFAULT_RULES: readonly Rule[] = [...CANONICAL_RULES, ...IDENTITY_RULES, ...REASSOCIATE_RULES, ...COMPARE_RULES, ...STRENGTH_RULES];

export function peepholePassWith(rules: readonly Rule[], name = 'peephole', description = 'rewrite with small declarative rules (passes/rules/)'): Pass {
  const set = new RuleSet(rules);
  return { name, description, run: (r) => applyRules(r, set) };
}

export const peepholePass: Pass = peepholePassWith(DEFAULT_RULES);

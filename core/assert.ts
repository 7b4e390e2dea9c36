/** Exhaustiveness helper: a `switch` over a union ends with `default: assertNever(x)`, so adding a
 * member to the union does not compile until every switch handles it (STYLE.md point 4). */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(x)}`);
}

/** Internal invariant check; a failure is a morphsim bug, never a user error. */
export function invariant(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(`invariant violated: ${msg}`);
}

// A `node --import` hook for tests: it writes one line to stderr whenever the process
// resolves the `binaryen` package, so a test can tell whether a command loaded it.
import { register } from 'node:module';

export const PROBE_LINE = 'binaryen-probe: binaryen resolved';

register(`data:text/javascript,${encodeURIComponent(`
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (specifier === 'binaryen') writeSync(2, ${JSON.stringify(PROBE_LINE + '\n')});
  return next(specifier, context);
}`)}`);

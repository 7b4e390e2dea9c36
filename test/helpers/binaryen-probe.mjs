// A `node --import` hook for tests: when the process resolves the `binaryen` package, it
// appends a line to the file named by $BINARYEN_PROBE, so a test can tell whether a command
// loaded it (the file exists) without parsing the command's own output.
import { register } from 'node:module';

const file = process.env.BINARYEN_PROBE;
if (file) {
  register(`data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (specifier === 'binaryen') appendFileSync(${JSON.stringify(file)}, 'binaryen resolved\\n');
  return next(specifier, context);
}`)}`);
}

/** Parsing JSON input files (configurations, sweep specs) with one-line errors. */
import { UsageError } from './errors.ts';

/**
 * JSON.parse for a user's file, described as `what` ("config file x.json"): a leading
 * byte-order mark (some editors write one) is skipped, and a syntax error is one line —
 * V8 quotes the offending text, newlines and all, so they are escaped and the quote is capped.
 */
export function parseJsonInput(text: string, what: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const why = (e as Error).message.replace(/\r?\n/g, '\\n');
    throw new UsageError(`${what} is not valid JSON: ${why.length > 160 ? `${why.slice(0, 160)}...` : why}`);
  }
}

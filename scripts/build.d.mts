// Types of scripts/build.mjs for the TypeScript that imports it (tests).
import type { Stamp } from './dist.mjs';
export declare const ENTRIES: Readonly<Record<string, string>>;
export interface BuildManifest {
  readonly schema: 1;
  readonly entries: readonly string[];
  readonly inputs: Readonly<Record<string, Stamp>>;
}
export declare function buildAll(opts?: { outdir?: string; root?: string }): BuildManifest;

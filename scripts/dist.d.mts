// Types of scripts/dist.mjs for the TypeScript that imports it (tests, and entry points that
// start bundled workers).
export declare const ROOT: string;
export declare const DIST: string;
export declare const MANIFEST: string;
export interface Stamp { readonly size: number; readonly mtimeMs: number }
export declare function stamp(path: string): Stamp | undefined;
export declare function freshBundle(entry: string, root?: string): string | undefined;

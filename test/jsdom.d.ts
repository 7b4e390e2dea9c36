// The part of jsdom's API the report tests use (jsdom ships no type declarations, and
// @types/jsdom would be one more dependency for two lines).
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string);
    readonly window: Window & typeof globalThis;
  }
}

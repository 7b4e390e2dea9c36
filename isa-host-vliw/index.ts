/** The host ISA, as one import: atom table, code types and emitters, text form, validator. */
export * from './machine.ts';
export * from './atoms.ts';
export * from './code.ts';
export * from './printer.ts';
export * from './parser.ts';
export * from './validator.ts';

// The parameter registry: one declaration per parameter drives validation, defaults and the CLI.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { configHash, editDistance } from '../core/params.ts';
import { paramRegistry } from '../morph/config.ts';

describe('parameter registry', () => {
  it('every parameter has a unit or is a flag/choice, a doc, and a default inside its range', () => {
    for (const { name, spec } of paramRegistry.entries) {
      expect(spec.doc.length, name).toBeGreaterThan(10);
      if (spec.type === 'int' || spec.type === 'float') {
        expect(spec.unit, name).not.toBe('');
        expect(spec.default).toBeGreaterThanOrEqual(spec.min);
        expect(spec.default).toBeLessThanOrEqual(spec.max);
      }
    }
  });

  it('resolves defaults, file values and --set strings in order', () => {
    const cfg = paramRegistry.resolve({ 'vliw.width': 8 }, { 'vliw.width': '6', 'run.mode': 'interp' });
    expect(cfg['vliw.width']).toBe(6);
    expect(cfg['run.mode']).toBe('interp');
    expect(cfg['cms.interpretCost']).toBe(paramRegistry.spec('cms.interpretCost')!.default);
  });

  it('names the closest key for a typo', () => {
    expect(() => paramRegistry.resolve({ 'vliw.widht': 4 })).toThrow(/unknown parameter 'vliw.widht' \(did you mean 'vliw.width'\?\)/);
    expect(() => paramRegistry.resolve({ width: 4 })).toThrow(/did you mean 'vliw.width'/);
  });

  it('rejects out-of-range and mistyped values with the parameter and its range', () => {
    expect(() => paramRegistry.resolve({ 'vliw.width': 0 })).toThrow(/parameter vliw.width: 0 is outside the valid range \[1, 16\] atoms/);
    expect(() => paramRegistry.resolve({ 'vliw.width': '4.5' })).toThrow(/expected an integer/);
    expect(() => paramRegistry.resolve({ 'vliw.width': 'wide' })).toThrow(/expected a number in \[1, 16\]/);
    expect(() => paramRegistry.resolve({ 'run.mode': 'fast' })).toThrow(/expected one of interp, translate, optimize/);
    expect(() => paramRegistry.resolve({ 'run.mode': 'fast' })).toThrow(UsageError);
  });

  it('hashes configurations stably and distinctly', () => {
    const a = paramRegistry.resolve({});
    const b = paramRegistry.resolve({ 'vliw.width': 8 });
    expect(configHash(a)).toBe(configHash(paramRegistry.resolve({})));
    expect(configHash(a)).not.toBe(configHash(b));
  });

  it('edit distance is the Levenshtein distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { pyB64decode, pyDumps, PyFloat, pyFloatRepr } from './python.js';

describe('Python compatibility helpers', () => {
  it('prints floats as repr() does', () => {
    expect([7, 0.75, 1e-5, 0.0001, 1e16, Number.NaN].map(pyFloatRepr)).toEqual([
      '7.0',
      '0.75',
      '1e-05',
      '0.0001',
      '1e+16',
      'NaN',
    ]);
  });

  it('dumps JSON with json.dumps defaults: spaced separators and ASCII escapes', () => {
    expect(pyDumps({ a: [1, new PyFloat(2)], b: 'café 🎨', c: null, d: true })).toBe(
      '{"a": [1, 2.0], "b": "caf\\u00e9 \\ud83c\\udfa8", "c": null, "d": true}',
    );
    expect(JSON.parse(pyDumps({ b: 'café 🎨' }))).toEqual({ b: 'café 🎨' });
  });

  it('decodes base64 leniently but fails on bad padding, as b64decode does', () => {
    expect(pyB64decode('aGVs\nbG8=')?.toString()).toBe('hello');
    expect(pyB64decode('aGVsbG8')).toBeNull();
    expect(pyB64decode('a')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { validateBody, type FieldSpec } from './pydantic.js';

const fields: FieldSpec[] = [
  { name: 'n', kind: 'int', default: 50 },
  { name: 'f', kind: 'float', default: 7 },
  { name: 's', kind: 'str', default: '' },
  { name: 'b', kind: 'bool', default: null },
  { name: 'l', kind: 'strList', default: null },
  { name: 'd', kind: 'dict', default: {} },
];

function coerce(body: Record<string, unknown>): Record<string, unknown> {
  const result = validateBody(fields, body);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.values;
}

function issueTypes(body: Record<string, unknown>): string[] {
  const result = validateBody(fields, body);
  return result.ok ? [] : result.issues.map((i) => `${i.loc.join('.')}:${i.type}`);
}

describe('pydantic v1 coercion', () => {
  it('fills defaults and keeps explicit nulls (every A1111 field is Optional)', () => {
    expect(coerce({})).toEqual({ n: 50, f: 7, s: '', b: null, l: null, d: {} });
    expect(coerce({ n: null, s: null })).toMatchObject({ n: null, s: null });
  });

  it('converts as int(), float(), str() and pydantic’s bool parser do', () => {
    expect(coerce({ n: ' 20 ', f: '1e2', s: 12.5, b: 'off', l: ['a', 3], d: [['k', 1]] })).toEqual({
      n: 20,
      f: 100,
      s: '12.5',
      b: false,
      l: ['a', '3'],
      d: { k: 1 },
    });
    expect(coerce({ n: -20.9, s: true, b: 1 })).toMatchObject({ n: -20, s: 'True', b: true });
    expect(coerce({ n: '1_000' })).toMatchObject({ n: 1000 });
  });

  it('rejects what pydantic v1 rejects', () => {
    expect(issueTypes({ n: '20.5', f: 'abc', s: [], b: 2, l: 'abc', d: 'x' })).toEqual([
      'body.n:type_error.integer',
      'body.f:type_error.float',
      'body.s:type_error.str',
      'body.b:type_error.bool',
      'body.l:type_error.list',
      'body.d:type_error.dict',
    ]);
    expect(issueTypes({ l: ['ok', null] })).toEqual(['body.l.1:type_error.str']);
  });
});

/**
 * Pydantic v1 validation as A1111 (FastAPI 0.94) applies it to request bodies: every field is Optional,
 * values are coerced the way pydantic v1's validators do ("20" → 20, 20.5 → 20, "yes" → true, 7 → "7"),
 * unknown keys are dropped, and every failure is collected into one 422 body.
 */

export type FieldKind = 'int' | 'float' | 'str' | 'bool' | 'strList' | 'list' | 'dict';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  default: unknown;
}

export interface ValidationIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

export type Validated =
  { ok: true; values: Record<string, unknown> } | { ok: false; issues: ValidationIssue[] };

const FAIL = Symbol('invalid');
type Coerced = unknown | typeof FAIL;

const ERRORS: Record<Exclude<FieldKind, 'strList'>, { msg: string; type: string }> = {
  int: { msg: 'value is not a valid integer', type: 'type_error.integer' },
  float: { msg: 'value is not a valid float', type: 'type_error.float' },
  str: { msg: 'str type expected', type: 'type_error.str' },
  bool: { msg: 'value could not be parsed to a boolean', type: 'type_error.bool' },
  list: { msg: 'value is not a valid list', type: 'type_error.list' },
  dict: { msg: 'value is not a valid dict', type: 'type_error.dict' },
};

const BOOL_TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const BOOL_FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/** Python's int() on a str: optional sign, digits with single underscores between them, outer whitespace. */
const PY_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
const PY_FLOAT = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;
const PY_FLOAT_SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

function coerceInt(v: unknown): Coerced {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : FAIL;
  if (typeof v === 'string' && PY_INT.test(v)) return Number.parseInt(v.replaceAll('_', ''), 10);
  return FAIL;
}

function coerceFloat(v: unknown): Coerced {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return FAIL;
  const s = v.trim();
  if (PY_FLOAT_SPECIAL.test(s)) {
    return s.toLowerCase().includes('nan') ? Number.NaN : Number(s.replace(/inf(inity)?/i, 'Infinity'));
  }
  return PY_FLOAT.test(s) ? Number(s.replaceAll('_', '')) : FAIL;
}

/** pydantic v1 turns any number into its Python str(); bool is an int subclass there, hence "True". */
function coerceStr(v: unknown): Coerced {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  return FAIL;
}

function coerceBool(v: unknown): Coerced {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (BOOL_TRUE.has(s)) return true;
    if (BOOL_FALSE.has(s)) return false;
  }
  return FAIL;
}

/** dict(v) in Python also accepts a list of pairs. */
function coerceDict(v: unknown): Coerced {
  if (isPlainObject(v)) return v;
  if (!Array.isArray(v)) return FAIL;
  const out: Record<string, unknown> = {};
  for (const pair of v) {
    if (!Array.isArray(pair) || pair.length !== 2) return FAIL;
    const key = coerceStr(pair[0]);
    if (key === FAIL) return FAIL;
    out[key as string] = pair[1];
  }
  return out;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function coerceField(spec: FieldSpec, value: unknown, issues: ValidationIssue[]): unknown {
  if (value === null) return null;
  const loc: (string | number)[] = ['body', spec.name];
  if (spec.kind === 'strList') {
    if (!Array.isArray(value)) {
      issues.push({ loc, ...ERRORS.list });
      return FAIL;
    }
    return value.map((item, i) => {
      const s = coerceStr(item);
      if (s === FAIL) issues.push({ loc: [...loc, i], ...ERRORS.str });
      return s;
    });
  }
  const coerce = { int: coerceInt, float: coerceFloat, str: coerceStr, bool: coerceBool, dict: coerceDict }[
    spec.kind as Exclude<FieldKind, 'strList' | 'list'>
  ];
  const result = spec.kind === 'list' ? (Array.isArray(value) ? value : FAIL) : coerce(value);
  if (result === FAIL) issues.push({ loc, ...ERRORS[spec.kind] });
  return result;
}

/** Validates a parsed JSON body against a field table; `body` is whatever JSON.parse produced. */
export function validateBody(fields: readonly FieldSpec[], body: unknown): Validated {
  if (body === undefined) {
    return { ok: false, issues: [{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }] };
  }
  if (!isPlainObject(body)) return { ok: false, issues: [{ loc: ['body'], ...ERRORS.dict }] };
  const issues: ValidationIssue[] = [];
  const values: Record<string, unknown> = {};
  for (const spec of fields) {
    values[spec.name] = Object.hasOwn(body, spec.name)
      ? coerceField(spec, body[spec.name], issues)
      : structuredClone(spec.default);
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, values };
}

/** A query-string bool, as FastAPI validates `skip_current_image`. */
export function parseQueryBool(raw: string | null, fallback: boolean): boolean | undefined {
  if (raw === null) return fallback;
  const v = coerceBool(raw);
  return v === FAIL ? undefined : (v as boolean);
}

export const BOOL_ERROR = ERRORS.bool;

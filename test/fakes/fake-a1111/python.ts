/** Small pieces of Python behaviour that A1111's responses and errors expose. */

/**
 * Python's json.dumps with its defaults (", " and ": " separators, ensure_ascii, floats as repr), which is
 * how A1111 builds the `info` string. Clients only parse it, but a faithful string keeps surprises (escaped
 * non-ASCII, "7.0") visible in tests.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** repr(float): always a decimal point or exponent, exponents with at least two digits. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

function pyString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function pyDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyDumps(v)}`).join(', ')}}`;
  }
  return 'null';
}

/** str(value) as Python prints it in an infotext (floats keep their ".0"). */
export function pyStr(value: unknown): string {
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** Python's type name, for the AttributeError A1111 raises when an image is not a string. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  return Array.isArray(value) ? 'list' : 'dict';
}

/** base64.b64decode(s) without validate=True: junk characters are dropped, but bad padding still fails. */
export function pyB64decode(text: string): Buffer | null {
  const cleaned = text.replace(/[^A-Za-z0-9+/=]/g, '');
  const data = cleaned.replace(/=+$/, '');
  if (data.includes('=') || data.length % 4 === 1) return null;
  const padding = (4 - (data.length % 4)) % 4;
  if (cleaned.length - data.length < padding) return null;
  return Buffer.from(data, 'base64');
}

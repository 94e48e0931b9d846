import { timingSafeEqual } from 'node:crypto';
import { httpException } from './errors.js';
import { pyB64decode } from './python.js';

const CHALLENGE = { 'WWW-Authenticate': 'Basic' };

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `--api-auth`: FastAPI's HTTPBasic ("Not authenticated" without a Basic header, "Invalid authentication
 * credentials" when it does not decode to ASCII "user:password") followed by A1111's own check
 * ("Incorrect username or password").
 */
export function checkBasicAuth(
  header: string | undefined,
  expected: { username: string; password: string },
): void {
  if (header === undefined || header === '') throw httpException(401, 'Not authenticated', CHALLENGE);
  // get_authorization_scheme_param: header.partition(" ")
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  const param = space < 0 ? '' : header.slice(space + 1);
  if (scheme.toLowerCase() !== 'basic') throw httpException(401, 'Not authenticated', CHALLENGE);
  const bytes = pyB64decode(param);
  const decoded = bytes?.toString('latin1') ?? '';
  const colon = decoded.indexOf(':');
  if (!bytes || bytes.some((byte) => byte > 0x7f) || colon < 0) {
    throw httpException(401, 'Invalid authentication credentials', CHALLENGE);
  }
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (!(same(username, expected.username) && same(password, expected.password))) {
    throw httpException(401, 'Incorrect username or password', CHALLENGE);
  }
}

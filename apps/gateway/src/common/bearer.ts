import type { Request } from 'express';

/** Bearer tokens count only on the JSON API; pages keep using the session cookie alone. */
export function isApiPath(req: Request): boolean {
  const path = req.path; // a getter that parses the URL
  return path === '/api' || path.startsWith('/api/');
}

/**
 * What an API request presents in its Authorization header: undefined when it has none (the session
 * cookie decides), otherwise the bearer token, or '' for anything else (Basic credentials included:
 * the API never takes a username and password).
 */
export function apiCredentialOf(req: Request): string | undefined {
  if (!isApiPath(req)) return undefined;
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header.trim());
  return match ? match[1] : '';
}

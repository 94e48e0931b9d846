import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { AppRequest } from './app-request.js';
import { nextNonce, securityHeaders } from './security.middleware.js';

describe('nextNonce', () => {
  it('gives 16 random bytes in base64, never the same twice, across refills of its pool', () => {
    const nonces = Array.from({ length: 1_000 }, () => nextNonce());
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
    }
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});

/** A real Node response (headers are validated as on the wire) for a request to `url`. */
function answer(url: string) {
  const req = new IncomingMessage(new Socket()) as unknown as AppRequest;
  req.url = url;
  const res = new ServerResponse(req as unknown as IncomingMessage) as unknown as Response;
  res.locals = Object.create(null) as Response['locals']; // as Express's app.handle does
  let passedOn = 0;
  securityHeaders(req as Request, res, () => passedOn++);
  return { res, passedOn };
}

const policyOf = (res: Response) => String(res.getHeader('content-security-policy'));

describe('securityHeaders', () => {
  it("puts this response's own nonce in the policy and in the page's locals, and passes the request on", () => {
    const first = answer('/');
    const second = answer('/');
    for (const { res, passedOn } of [first, second]) {
      const nonce = res.locals.cspNonce as string;
      expect(policyOf(res)).toContain(`script-src 'self' 'nonce-${nonce}'`);
      expect(policyOf(res)).toContain(`style-src 'self' 'nonce-${nonce}'`);
      expect(policyOf(res)).not.toContain('unsafe-inline');
      expect(passedOn).toBe(1);
    }
    expect(first.res.locals.cspNonce).not.toBe(second.res.locals.cspNonce);
  });

  it('keeps helmet’s policy defaults and our directives, and helmet’s other headers', () => {
    const { res } = answer('/');
    for (const directive of [
      "default-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
      "img-src 'self' data: blob:",
      "script-src-attr 'none'",
    ]) {
      expect(policyOf(res)).toContain(directive);
    }
    expect(policyOf(res)).not.toContain('upgrade-insecure-requests');
    expect(res.getHeader('x-content-type-options')).toBe('nosniff');
    expect(res.getHeader('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.getHeader('referrer-policy')).toBe('no-referrer');
    expect(res.getHeader('strict-transport-security')).toBeUndefined();
  });

  it('allows inline styles on the API docs only, never inline scripts', () => {
    for (const url of ['/api/docs', '/api/docs/', '/api/docs?x=1', '/api/docs-json']) {
      const { res } = answer(url);
      expect(policyOf(res)).toContain("style-src 'self' 'unsafe-inline'");
      expect(policyOf(res)).toContain(`script-src 'self' 'nonce-${res.locals.cspNonce as string}'`);
    }
    expect(policyOf(answer('/api/docsx').res)).not.toContain('unsafe-inline');
    expect(policyOf(answer('/api/prompts').res)).not.toContain('unsafe-inline');
  });
});

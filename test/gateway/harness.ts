import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { GatewayConfig, loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/setup.js';
import { ClaimService } from '../../apps/gateway/src/admin/claim.service.js';

export interface TestGateway {
  app: NestExpressApplication;
  config: GatewayConfig;
  url: string;
  dir: string;
  claimLink(): Promise<string>;
  close(): Promise<void>;
}

/** A temp directory for one test file's database, secrets and output; removed by `cleanup`. */
export function makeTempDir(prefix = 'vernissage-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts the real gateway (same set-up as production) on 127.0.0.1 and an ephemeral port. */
export async function startGateway(dir: string, env: Record<string, string> = {}): Promise<TestGateway> {
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_PATH: join(dir, 'vernissage.sqlite'),
    OUTPUT_DIR: join(dir, 'output'),
    UPLOAD_DIR: join(dir, 'uploads'),
    RENDERER_TOKEN_FILE: join(dir, 'renderer.token'),
    RENDERER_PORT: '1',
    ...env,
  });
  const app = await createGatewayApp(config, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    url,
    dir,
    claimLink: () => app.get(ClaimService).createLink(url),
    close: () => app.close(),
  };
}

export const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36';
export const LAPTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

/** A browser-like client: its own cookie jar, its own User-Agent and language, HTML by default. */
export function browser(url: string, userAgent = PHONE_UA, language = 'en-GB,en;q=0.9') {
  const agent = request.agent(url);
  agent.set('User-Agent', userAgent).set('Accept-Language', language);
  return agent;
}
export type Browser = ReturnType<typeof browser>;

export const HTML = 'text/html,application/xhtml+xml';

export function csrfFrom(html: string): string {
  const match =
    /name="_csrf" value="([^"]+)"/.exec(html) ?? /<meta name="csrf-token" content="([^"]+)">/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}

export function colourFrom(html: string): string {
  const match = /<span class="swatch-name">([^<]+)<\/span>/.exec(html);
  if (!match) throw new Error('no colour on the page');
  return match[1];
}

/** Opens the home page as a browser would and returns its HTML and CSRF token. */
export async function openHome(agent: Browser): Promise<{ html: string; csrf: string; status: number }> {
  const res = await agent.get('/').set('Accept', HTML);
  const html = res.text;
  // Every page carries the session's token in its <meta>; forms carry it too (the prompt form in its action).
  return { html, csrf: /name="(_csrf|csrf-token)"/.test(html) ? csrfFrom(html) : '', status: res.status };
}

/** Claims the admin role on this browser through a fresh one-time link. */
export async function becomeAdmin(gateway: TestGateway, agent: Browser): Promise<void> {
  const link = await gateway.claimLink();
  const res = await agent.get(new URL(link).pathname).set('Accept', HTML);
  if (res.status !== 303 || res.headers.location !== '/admin') throw new Error(`claim failed: ${res.status}`);
}

import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Controller, Get, Module, Render, Req, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type Request } from 'express';
import session from 'express-session';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { SESSION_COOKIE } from '../../apps/gateway/src/sessions/session-utils.js';
import { createGatewayApp } from '../../apps/gateway/src/setup.js';

/**
 * A server under test, started by bench/lib/child-server.ts: `gateway` (the real app, production set-up),
 * `express-hello` (a bare Express 5 app answering "hello", and a JSON POST) or `stack-floor` (the owner's
 * stack with no app logic: see below). It reports its port over IPC and stops when told to, or when the
 * parent goes away.
 */
const [kind, envJson] = process.argv.slice(2);

@Controller()
class FloorController {
  /** A page of the guest page's size, for a visitor with a session, and nothing else. */
  static text = '';

  @Get()
  @Render('floor')
  page(@Req() req: Request & { session: { seen?: boolean } }): { text: string } {
    // The first visit starts a session (as the guest's first page does); later ones only read it.
    if (!req.session.seen) req.session.seen = true;
    return { text: FloorController.text };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

/** Sessions in a Map: express-session's own MemoryStore would warn under NODE_ENV=production. */
class MapStore extends session.Store {
  private readonly sessions = new Map<string, session.SessionData>();

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    callback(null, this.sessions.get(sid) ?? null);
  }

  override set(sid: string, data: session.SessionData, callback?: (err?: unknown) => void): void {
    this.sessions.set(sid, data);
    callback?.();
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.sessions.delete(sid);
    callback?.();
  }

  override touch(_sid: string, _data: session.SessionData, callback?: () => void): void {
    callback?.();
  }
}

/**
 * The floor of the stack DESIGN.md fixes, for the guest page: Nest on Express, express-session (cookie
 * signature, session lookup, in memory here), a Handlebars view in a layout, answering a page of `pageBytes`
 * with no application work at all (no database, identity, CSRF, CSP or settings).
 */
async function stackFloor(pageBytes: number) {
  const views = mkdtempSync(join(tmpdir(), 'vernissage-bench-floor-'));
  writeFileSync(
    join(views, 'layout.hbs'),
    '<!doctype html><html lang="en"><head><title>Floor</title></head><body>{{{body}}}</body></html>',
  );
  writeFileSync(join(views, 'floor.hbs'), '<main><p>{{text}}</p></main>');
  FloorController.text = 'x'.repeat(Math.max(0, pageBytes - 120));
  const app = await NestFactory.create<NestExpressApplication>(FloorModule, { logger: ['error'] });
  app.disable('x-powered-by');
  app.use(
    session({
      name: SESSION_COOKIE,
      // A process-local map: cheaper than the gateway's SQLite store with its cache, so a true floor.
      store: new MapStore(),
      secret: 'a bench secret of enough length',
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax' },
    }),
  );
  app.setBaseViewsDir(views);
  app.setViewEngine('hbs');
  app.set('view cache', true);
  app.set('view options', { layout: 'layout' });
  return listening(app, () => rmSync(views, { recursive: true, force: true }));
}

/** A Nest app listening on loopback, closed with its keep-alive connections (and `cleanUp` after). */
async function listening(
  app: INestApplication,
  cleanUp: () => void = () => undefined,
): Promise<{ server: Server; close: () => Promise<void> }> {
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  return {
    server,
    close: async () => {
      server.closeAllConnections();
      await app.close();
      cleanUp();
    },
  };
}

async function start(): Promise<{ server: Server; close: () => Promise<void> }> {
  if (kind === 'gateway') {
    const config = loadGatewayConfig(JSON.parse(envJson) as Record<string, string>);
    return listening(await createGatewayApp(config, { logger: ['error'] }));
  }
  if (kind === 'express-hello') {
    const app = express();
    app.disable('x-powered-by');
    app.get('/', (_req, res) => {
      res.send('hello');
    });
    // The floor for a JSON submission: parse a small JSON body and answer 201 with a small JSON body.
    app.post('/json', express.json(), (req, res) => {
      res.status(201).json({ id: 1, received: typeof req.body === 'object' });
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    return {
      server,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }
  if (kind === 'stack-floor') {
    return stackFloor(Number((JSON.parse(envJson) as { pageBytes: string }).pageBytes));
  }
  throw new Error(`unknown server kind ${kind}`);
}

const { server, close } = await start();
let closing = false;
const shutdown = async (): Promise<void> => {
  if (closing) return;
  closing = true;
  await close();
  if (process.connected) process.disconnect();
};
process.on('message', (message) => {
  if (message === 'stop') void shutdown();
  // CPU time used by this server so far (user + system), for "CPU ms per request" whatever else the machine does.
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
});
process.on('disconnect', () => void shutdown());
process.send?.({ port: (server.address() as AddressInfo).port });

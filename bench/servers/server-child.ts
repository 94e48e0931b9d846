import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/setup.js';

/**
 * A server under test, started by bench/lib/child-server.ts: `gateway` (the real app, production set-up)
 * or `express-hello` (a bare Express 5 app answering "hello", and a JSON POST). It reports its port over IPC and stops
 * when told to, or when the parent goes away.
 */
const [kind, envJson] = process.argv.slice(2);

async function start(): Promise<{ server: Server; close: () => Promise<void> }> {
  if (kind === 'gateway') {
    const config = loadGatewayConfig(JSON.parse(envJson) as Record<string, string>);
    const app = await createGatewayApp(config, { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const server = app.getHttpServer() as Server;
    return {
      server,
      close: async () => {
        server.closeAllConnections();
        await app.close();
      },
    };
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

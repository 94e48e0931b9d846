import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SafeFetchService } from './safe-fetch.service.js';

/**
 * The real HTTP transport against loopback servers only. Loopback is refused by the real address check,
 * so this file uses the one test seam, `allow`, to let 127.0.0.1 through (and nothing else); the resolver
 * is a double too, so no name is ever looked up in real DNS and nothing leaves this machine.
 */
describe('SafeFetchService over real HTTP (loopback, test seam `allow`)', () => {
  const hits: { address: string; host?: string; url?: string }[] = [];
  let port: number;
  let otherConnections = 0;
  let otherPort: number;
  const servers: http.Server[] = [];

  const listen = (server: http.Server, host: string): Promise<number> =>
    new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));

  beforeAll(async () => {
    const main = http.createServer((req, res) => {
      hits.push({ address: req.socket.localAddress ?? '', host: req.headers.host, url: req.url });
      if (req.url === '/picture.png') return void res.writeHead(200).end(Buffer.from('picture-bytes'));
      if (req.url === '/to-other') {
        return void res.writeHead(302, { location: `http://127.0.0.2:${otherPort}/x.png` }).end();
      }
      if (req.url === '/big') {
        res.writeHead(200);
        const timer = setInterval(() => res.write(Buffer.alloc(400)), 5);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/hang') return; // never answers
      res.writeHead(404).end();
    });
    const other = http.createServer((_req, res) => res.end('never'));
    other.on('connection', () => otherConnections++);
    servers.push(main, other);
    port = await listen(main, '127.0.0.1');
    otherPort = await listen(other, '127.0.0.2');
  });
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  let lookups = 0;
  const service = new SafeFetchService({
    resolve: async (host) => {
      lookups++;
      if (host !== 'picture.test') throw new Error('ENOTFOUND');
      return [{ address: '127.0.0.1', family: 4 }];
    },
    allow: (address) => address === '127.0.0.1',
    limits: { maxBytes: 1000, totalTimeoutMs: 1500 },
  });

  it('connects to the vetted address it resolved itself, keeping the host name for the request', async () => {
    lookups = 0;
    await expect(service.fetch(`http://picture.test:${port}/picture.png`)).resolves.toEqual(
      Buffer.from('picture-bytes'),
    );
    // One lookup, ours: the transport's pinned lookup never asks DNS again (no rebinding window), and
    // picture.test does not exist in real DNS, so any second lookup would have failed the fetch.
    expect(lookups).toBe(1);
    expect(hits.at(-1)).toEqual({ address: '127.0.0.1', host: `picture.test:${port}`, url: '/picture.png' });
  });

  it('vets a redirect target before connecting: 127.0.0.2 is refused and never contacted', async () => {
    await expect(service.fetch(`http://picture.test:${port}/to-other`)).rejects.toThrow(
      'That address is not allowed',
    );
    expect(otherConnections).toBe(0);
  });

  it('stops a streamed body at the cap with 413', async () => {
    await expect(service.fetch(`http://picture.test:${port}/big`)).rejects.toBeInstanceOf(
      PayloadTooLargeException,
    );
  });

  it('gives up on a server that never answers, with a 400', async () => {
    const started = Date.now();
    await expect(service.fetch(`http://picture.test:${port}/hang`)).rejects.toBeInstanceOf(
      BadRequestException,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a non-2xx answer with a 400', async () => {
    await expect(service.fetch(`http://picture.test:${port}/missing`)).rejects.toThrow(
      'The picture could not be fetched',
    );
  });
});

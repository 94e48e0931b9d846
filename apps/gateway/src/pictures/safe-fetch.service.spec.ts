import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { SafeFetchService, type PinnedResponse, type ResolvedAddress } from './safe-fetch.service.js';

/**
 * The redirect and pinning logic with a fake resolver and transport: no name is resolved and no
 * connection is opened. This is the test seam for redirects, since every real loopback target is refused
 * before any connection (see test/image-prompts.e2e-spec.ts).
 */
function double(
  dns: Record<string, string[]>,
  pages: Record<string, { status: number; location?: string; body?: Buffer[]; contentLength?: number }>,
) {
  const connections: { url: string; address: string }[] = [];
  const service = new SafeFetchService({
    resolve: async (host) => {
      const addresses = dns[host];
      if (!addresses) throw new Error('ENOTFOUND');
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    request: async (url: URL, pinned: ResolvedAddress): Promise<PinnedResponse> => {
      connections.push({ url: url.href, address: pinned.address });
      const page = pages[url.href];
      if (!page) throw new Error('ECONNREFUSED');
      return {
        status: page.status,
        location: page.location,
        contentLength: page.contentLength,
        body: (async function* () {
          for (const chunk of page.body ?? []) yield chunk;
        })(),
        abort: () => undefined,
      };
    },
    limits: { maxBytes: 1000, totalTimeoutMs: 1000 },
  });
  return { service, connections };
}

const PUBLIC = '93.184.216.34';

describe('SafeFetchService', () => {
  it('fetches a public URL, connecting to the address it vetted', async () => {
    const { service, connections } = double(
      { 'pictures.example': [PUBLIC] },
      { 'https://pictures.example/a.png': { status: 200, body: [Buffer.from('abc'), Buffer.from('def')] } },
    );
    await expect(service.fetch('https://pictures.example/a.png')).resolves.toEqual(Buffer.from('abcdef'));
    expect(connections).toEqual([{ url: 'https://pictures.example/a.png', address: PUBLIC }]);
  });

  it('follows a redirect to another public host, vetting it the same way', async () => {
    const { service, connections } = double(
      { 'a.example': [PUBLIC], 'b.example': ['8.8.8.8'] },
      {
        'http://a.example/x': { status: 302, location: 'https://b.example/y.png' },
        'https://b.example/y.png': { status: 200, body: [Buffer.from('png')] },
      },
    );
    await expect(service.fetch('http://a.example/x')).resolves.toEqual(Buffer.from('png'));
    expect(connections.map((c) => c.address)).toEqual([PUBLIC, '8.8.8.8']);
  });

  it.each([
    ['http://127.0.0.1/secret'],
    ['http://169.254.169.254/latest/meta-data/'],
    ['http://[::1]/'],
    ['http://internal.example/'],
    ['file:///etc/passwd'],
    ['/relative/but/local'],
  ])('refuses a redirect to %s without connecting to it', async (location) => {
    const { service, connections } = double(
      { 'a.example': [PUBLIC], 'internal.example': ['10.0.0.5'] },
      { 'http://a.example/x': { status: 301, location } },
    );
    const result = service.fetch('http://a.example/x');
    if (location.startsWith('/')) {
      // A relative redirect stays on the (public) host: allowed, but here it leads nowhere.
      await expect(result).rejects.toThrow('The picture could not be fetched');
      return;
    }
    await expect(result).rejects.toThrow('That address is not allowed');
    expect(connections).toEqual([{ url: 'http://a.example/x', address: PUBLIC }]);
  });

  it('refuses a host when any of its addresses is private (a split answer is not a way in)', async () => {
    const { service, connections } = double({ 'mixed.example': [PUBLIC, '192.168.0.10'] }, {});
    await expect(service.fetch('http://mixed.example/a.png')).rejects.toThrow('That address is not allowed');
    expect(connections).toEqual([]);
  });

  it('stops after three redirects', async () => {
    const { service, connections } = double(
      { 'loop.example': [PUBLIC] },
      {
        'http://loop.example/0': { status: 302, location: '/1' },
        'http://loop.example/1': { status: 302, location: '/2' },
        'http://loop.example/2': { status: 302, location: '/3' },
        'http://loop.example/3': { status: 302, location: '/4' },
        'http://loop.example/4': { status: 200, body: [Buffer.from('x')] },
      },
    );
    await expect(service.fetch('http://loop.example/0')).rejects.toBeInstanceOf(BadRequestException);
    expect(connections).toHaveLength(4);
  });

  it('refuses non-2xx answers and unresolvable hosts with a clear 400', async () => {
    const { service } = double({ 'a.example': [PUBLIC] }, { 'http://a.example/missing': { status: 404 } });
    await expect(service.fetch('http://a.example/missing')).rejects.toThrow(
      'The picture could not be fetched',
    );
    await expect(service.fetch('http://nowhere.example/')).rejects.toThrow(
      'The picture could not be fetched',
    );
  });

  it('aborts a body beyond the cap with 413, by announced length or while streaming', async () => {
    const { service } = double(
      { 'big.example': [PUBLIC] },
      {
        'http://big.example/announced': { status: 200, contentLength: 5000, body: [] },
        'http://big.example/streamed': { status: 200, body: [Buffer.alloc(600), Buffer.alloc(600)] },
      },
    );
    await expect(service.fetch('http://big.example/announced')).rejects.toBeInstanceOf(
      PayloadTooLargeException,
    );
    await expect(service.fetch('http://big.example/streamed')).rejects.toBeInstanceOf(
      PayloadTooLargeException,
    );
  });
});

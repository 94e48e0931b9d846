import { BadRequestException, HttpException, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { ADDRESS_NOT_ALLOWED, hostOf, isAllowedAddress, parseFetchableUrl } from './address-check.js';
import { PICTURE_LIMITS } from '#contracts';
import { PICTURE_TOO_LARGE } from './picture-limits.js';

export const FETCH_FAILED = 'The picture could not be fetched';
const MAX_REDIRECTS = 3;
const CONNECT_TIMEOUT_MS = 5_000;
const TOTAL_TIMEOUT_MS = 10_000;

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** One HTTP exchange with a host already pinned to a vetted address. */
export interface PinnedResponse {
  status: number;
  location?: string;
  contentLength?: number;
  body: AsyncIterable<Buffer>;
  /** Drops the connection (used when we stop reading early). */
  abort(): void;
}

export interface FetchDeps {
  resolve(host: string): Promise<ResolvedAddress[]>;
  request(url: URL, pinned: ResolvedAddress, signal: AbortSignal): Promise<PinnedResponse>;
  /** The address check; replaced only in the transport test, which must reach a loopback server. */
  allow(address: string): boolean;
  limits: { maxBytes: number; totalTimeoutMs: number };
}

/**
 * Fetches a guest's picture URL without letting it reach anything inside our network: every URL (the
 * first and each redirect) is parsed, its host resolved here, and every address checked; the connection
 * then goes to the vetted address itself (a pinned `lookup`), so a second DNS answer cannot swap in
 * 127.0.0.1 (DNS rebinding). The body is streamed with a hard size cap and the whole exchange has a
 * deadline. The resolver and transport are injectable so the redirect logic is tested without a network.
 */
@Injectable()
export class SafeFetchService {
  private readonly deps: FetchDeps;

  constructor(deps?: Partial<FetchDeps>) {
    this.deps = {
      resolve: deps?.resolve ?? resolveAll,
      request: deps?.request ?? pinnedRequest,
      allow: deps?.allow ?? isAllowedAddress,
      limits: deps?.limits ?? { maxBytes: PICTURE_LIMITS.maxBytes, totalTimeoutMs: TOTAL_TIMEOUT_MS },
    };
  }

  async fetch(raw: string): Promise<Buffer> {
    const signal = AbortSignal.timeout(this.deps.limits.totalTimeoutMs);
    let url = parseFetchableUrl(raw);
    for (let hop = 0; ; hop++) {
      if (!url) throw new BadRequestException(ADDRESS_NOT_ALLOWED);
      const pinned = await this.vet(url);
      let response: PinnedResponse;
      try {
        response = await this.deps.request(url, pinned, signal);
      } catch {
        throw new BadRequestException(FETCH_FAILED);
      }
      if (response.status >= 300 && response.status < 400 && response.location !== undefined) {
        response.abort();
        if (hop >= MAX_REDIRECTS) throw new BadRequestException(FETCH_FAILED);
        let next: URL | null;
        try {
          next = parseFetchableUrl(new URL(response.location, url).href);
        } catch {
          next = null;
        }
        url = next;
        continue;
      }
      if (response.status < 200 || response.status >= 300) {
        response.abort();
        throw new BadRequestException(FETCH_FAILED);
      }
      return this.readCapped(response);
    }
  }

  /** Resolves the host and refuses it when any of its addresses is not public; returns the one to use. */
  private async vet(url: URL): Promise<ResolvedAddress> {
    const host = hostOf(url);
    const literal = isIP(host);
    let addresses: ResolvedAddress[];
    try {
      addresses = literal ? [{ address: host, family: literal }] : await this.deps.resolve(host);
    } catch {
      throw new BadRequestException(FETCH_FAILED);
    }
    if (addresses.length === 0 || !addresses.every((entry) => this.deps.allow(entry.address))) {
      throw new BadRequestException(ADDRESS_NOT_ALLOWED);
    }
    return addresses[0];
  }

  private async readCapped(response: PinnedResponse): Promise<Buffer> {
    const { maxBytes } = this.deps.limits;
    if (response.contentLength !== undefined && response.contentLength > maxBytes) {
      response.abort();
      throw new PayloadTooLargeException(PICTURE_TOO_LARGE);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      for await (const chunk of response.body) {
        total += chunk.length;
        if (total > maxBytes) {
          response.abort();
          throw new PayloadTooLargeException(PICTURE_TOO_LARGE);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof HttpException) throw error;
      throw new BadRequestException(FETCH_FAILED);
    }
    return Buffer.concat(chunks, total);
  }
}

async function resolveAll(host: string): Promise<ResolvedAddress[]> {
  return lookup(host, { all: true, verbatim: true });
}

/** The real transport: connects to `pinned` whatever DNS would say now, with a connect timeout. */
function pinnedRequest(url: URL, pinned: ResolvedAddress, signal: AbortSignal): Promise<PinnedResponse> {
  const pinnedLookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as (error: null, addresses: ResolvedAddress[]) => void)(null, [pinned]);
    } else {
      callback(null, pinned.address, pinned.family);
    }
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(
      url,
      { lookup: pinnedLookup, signal, agent: false, headers: { accept: 'image/*' } },
      (response) => {
        const length = Number(response.headers['content-length']);
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location,
          contentLength: Number.isFinite(length) ? length : undefined,
          body: response,
          abort: () => request.destroy(),
        });
      },
    );
    const connectTimer = setTimeout(() => request.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    request.on('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      socket.once('connect', () => clearTimeout(connectTimer));
    });
    request.once('close', () => clearTimeout(connectTimer));
    request.once('error', reject);
  });
}

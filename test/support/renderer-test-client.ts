import type { ConnectionOptions } from 'node:tls';
import { ClientProxyFactory, type ClientProxy, Transport } from '@nestjs/microservices';
import {
  RENDERER_TOKEN_METADATA_KEY,
  RendererContract,
  type RendererPattern,
  type RendererReply,
  type RendererRequest,
} from '#contracts';
import { firstValueFrom, timeout } from 'rxjs';

export interface RendererTestClient {
  proxy: ClientProxy;
  /** Sends one message and checks the reply against the contract's reply schema. */
  call<P extends RendererPattern>(
    pattern: P,
    data: RendererRequest<P>,
    timeoutMs?: number,
  ): Promise<RendererReply<P>>;
  /** Sends anything (for forged or malformed messages); rejects with the renderer's error object. */
  raw(pattern: string, data: unknown, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A Nest ClientProxy set up the way the gateway's RendererClient should be: the token travels in the packet
 * metadata through the dispatch hook, and every send has a timeout (ClientTCP has none of its own).
 */
export function createRendererTestClient(options: {
  port: number;
  host?: string;
  token?: string;
  tlsOptions?: ConnectionOptions;
}): RendererTestClient {
  const proxy = ClientProxyFactory.create({
    transport: Transport.TCP,
    options: {
      host: options.host ?? '127.0.0.1',
      port: options.port,
      ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
    },
  }) as ClientProxy;
  const token = options.token;
  if (token !== undefined) {
    proxy.setOnDispatchHook((packet) => {
      packet.metadata = { ...packet.metadata, [RENDERER_TOKEN_METADATA_KEY]: token };
    });
  }
  const raw = (pattern: string, data: unknown, timeoutMs = 5000) =>
    firstValueFrom(proxy.send<unknown>(pattern, data).pipe(timeout(timeoutMs)));
  return {
    proxy,
    raw,
    async call(pattern, data, timeoutMs) {
      const reply = await raw(pattern, data, timeoutMs);
      return RendererContract[pattern].reply.parse(reply) as RendererReply<typeof pattern>;
    },
    async close() {
      await proxy.close();
    },
  };
}

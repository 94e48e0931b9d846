import type { ConnectionOptions } from 'node:tls';
import { ClientProxyFactory, type ClientProxy, Transport } from '@nestjs/microservices';
import {
  encodeProof,
  LINK_HELLO_PATTERN,
  LinkHelloReplySchema,
  macsEqual,
  messageMac,
  newLinkNonce,
  RENDERER_PROOF_METADATA_KEY,
  RendererContract,
  rendererProof,
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
 * A Nest ClientProxy that speaks the link protocol as the gateway's RendererClient does: a `link.hello` on
 * each new connection, then every packet signed (renderer-auth.ts). Without a token it sends no hello and
 * no proof. With `verifyRenderer: false` it signs even when the renderer's answer does not prove the same
 * token (an impostor with a wrong token, to check the renderer refuses it). Every send has a timeout.
 */
export function createRendererTestClient(options: {
  port: number;
  host?: string;
  token?: string;
  tlsOptions?: ConnectionOptions;
  verifyRenderer?: boolean;
}): RendererTestClient {
  const proxy = ClientProxyFactory.create({
    transport: Transport.TCP,
    options: {
      host: options.host ?? '127.0.0.1',
      port: options.port,
      ...(options.tlsOptions ? { tlsOptions: options.tlsOptions } : {}),
    },
  }) as ClientProxy;
  const { token, verifyRenderer = true } = options;
  let link: { gatewayNonce: string; rendererNonce: string; seq: number } | null = null;
  let handshake: Promise<void> | null = null;
  proxy.status.subscribe((status) => {
    if (status === 'disconnected') {
      link = null;
      handshake = null;
    }
  });
  proxy.setOnDispatchHook((packet) => {
    if (packet.pattern === LINK_HELLO_PATTERN || !link || token === undefined) return;
    link.seq += 1;
    const mac = messageMac(token, link, link.seq, String(packet.pattern), packet.data);
    packet.metadata = {
      ...packet.metadata,
      [RENDERER_PROOF_METADATA_KEY]: encodeProof({ seq: link.seq, mac }),
    };
  });
  const send = (pattern: string, data: unknown, timeoutMs: number) =>
    firstValueFrom(proxy.send<unknown>(pattern, data).pipe(timeout(timeoutMs)));
  const hello = async (timeoutMs: number) => {
    const gatewayNonce = newLinkNonce();
    const reply = LinkHelloReplySchema.parse(
      await send(LINK_HELLO_PATTERN, { nonce: gatewayNonce }, timeoutMs),
    );
    const proven = macsEqual(reply.proof, rendererProof(token!, gatewayNonce, reply.nonce));
    if (!proven && verifyRenderer) throw new Error('the renderer could not prove it knows the token');
    link = { gatewayNonce, rendererNonce: reply.nonce, seq: 0 };
  };
  const raw = async (pattern: string, data: unknown, timeoutMs = 5000) => {
    if (token !== undefined) {
      await proxy.connect();
      await (handshake ??= hello(timeoutMs).catch((error: unknown) => {
        handshake = null;
        throw error;
      }));
    }
    return send(pattern, data, timeoutMs);
  };
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

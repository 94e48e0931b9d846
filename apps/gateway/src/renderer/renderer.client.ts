import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  LINK_HELLO_PATTERN,
  LinkClientSession,
  LinkHelloReplySchema,
  RENDERER_MAX_FRAME_BYTES,
  RENDERER_PROOF_METADATA_KEY,
  RendererContract,
  RendererErrorReplySchema,
  type RendererErrorCode,
  type RendererPattern,
  type RendererReply,
  type RendererRequest,
} from '#contracts';
import { firstValueFrom, timeout, TimeoutError, type Subscription } from 'rxjs';
import { GatewayConfig, type RendererEndpoint } from '../config/gateway.config.js';

/** Why a message to the renderer did not get a usable reply. */
export abstract class RendererError extends Error {
  abstract readonly kind: 'unreachable' | 'refused' | 'protocol';
}

/** No answer: not listening, the link dropped, or the reply did not come in time. Retry later. */
export class RendererUnreachableError extends RendererError {
  readonly kind = 'unreachable';
}

/** The renderer answered with an error of the contract (a wrong token, a payload it does not accept). */
export class RendererRefusedError extends RendererError {
  readonly kind = 'refused';
  constructor(
    readonly code: RendererErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The renderer answered with something the contract does not describe (two versions that do not match). */
export class RendererProtocolError extends RendererError {
  readonly kind = 'protocol';
}

/**
 * The only code that touches the ClientProxy: on each new connection it first makes the renderer prove it
 * knows the shared token (`link.hello`; a listener that cannot is sent nothing else), then signs every
 * packet with a proof of the token for that connection (the token itself never travels; see
 * renderer-auth.ts in the contracts). It adds a timeout to every send (Nest's send has none), validates
 * replies against the contract, maps failures to the errors above, and tells its listeners when the TCP
 * link drops, because a dropped link may mean a restarted renderer with an empty queue. Keeping the
 * transport behind this class lets it be swapped later.
 * One client per renderer (RendererPool makes them); every renderer shares the token and TLS settings.
 */
@Injectable()
export class RendererClient implements OnModuleDestroy {
  private readonly logger = new Logger(RendererClient.name);
  private readonly proxy: ClientProxy;
  private readonly statusSubscription: Subscription;
  private readonly dropListeners: (() => void)[] = [];
  /** The current connection's session (a handshake in progress, or done); none while disconnected. */
  private session: Promise<LinkClientSession> | null = null;
  private established: LinkClientSession | null = null;

  constructor(
    private readonly config: GatewayConfig,
    readonly endpoint: RendererEndpoint = config.renderer,
  ) {
    const { host, port } = endpoint;
    const { tlsCa } = config.renderer;
    this.proxy = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: {
        host,
        port,
        maxBufferSize: RENDERER_MAX_FRAME_BYTES,
        // SNI takes host names only; for an IP address the certificate is checked against the IP itself.
        tlsOptions: tlsCa
          ? { ca: readFileSync(tlsCa), servername: isIP(host) ? undefined : host }
          : undefined,
      },
    });
    if (!tlsCa && !isLoopback(host)) {
      // The token is safe either way (only proofs of it travel), but prompts and pictures are not.
      this.logger.warn(
        `The renderer at ${host} is reached over plain TCP: prompts and images cross the network unencrypted. Serve it with RENDERER_TLS_CERT/KEY and set RENDERER_TLS_CA here.`,
      );
    }
    this.proxy.setOnDispatchHook((packet) => {
      // Signed at the moment the packet is made, so sequence numbers go out in order.
      if (packet.pattern === LINK_HELLO_PATTERN || !this.established) return;
      packet.metadata = {
        ...packet.metadata,
        [RENDERER_PROOF_METADATA_KEY]: this.established.sign(String(packet.pattern), packet.data),
      };
    });
    this.statusSubscription = this.proxy.status.subscribe((status) => {
      if (status !== 'disconnected') return;
      // A new connection needs a new handshake: proofs are bound to this one.
      this.session = null;
      this.established = null;
      for (const listener of this.dropListeners) listener();
    });
  }

  onLinkDropped(listener: () => void): void {
    this.dropListeners.push(listener);
  }

  async send<P extends RendererPattern>(
    pattern: P,
    request: RendererRequest<P>,
    timeoutMs = this.config.renderer.timeoutMs,
  ): Promise<RendererReply<P>> {
    const { request: requestSchema, reply: replySchema } = RendererContract[pattern];
    const payload = requestSchema.parse(request);
    let reply: unknown;
    let session: LinkClientSession | undefined;
    try {
      await this.proxy.connect();
      session = await (this.session ??= this.handshake(timeoutMs));
      reply = await firstValueFrom(this.proxy.send(pattern, payload).pipe(timeout({ first: timeoutMs })));
    } catch (error) {
      const mapped = error instanceof RendererError ? error : toRendererError(pattern, error, timeoutMs);
      // Signed for a connection that dropped meanwhile (the packet went out on the next one): a drop,
      // not a wrong token.
      if (mapped instanceof RendererRefusedError && session && session !== this.established) {
        throw new RendererUnreachableError(`The link to the renderer dropped while sending ${pattern}.`);
      }
      throw mapped;
    }
    const parsed = replySchema.safeParse(reply);
    if (!parsed.success) {
      this.logger.error(`renderer sent a malformed ${pattern} reply: ${parsed.error.issues[0]?.message}`);
      throw new RendererProtocolError(`The renderer sent a malformed ${pattern} reply.`);
    }
    return parsed.data as RendererReply<P>;
  }

  /**
   * The renderer proves it knows the token before anything else is sent on this connection. A listener
   * that cannot (a squatter on the port, another app) is dropped, and has received only a random nonce.
   */
  private async handshake(timeoutMs: number): Promise<LinkClientSession> {
    const session = new LinkClientSession(this.config.renderer.token);
    try {
      const reply = LinkHelloReplySchema.safeParse(
        await firstValueFrom(
          this.proxy.send(LINK_HELLO_PATTERN, session.hello()).pipe(timeout({ first: timeoutMs })),
        ),
      );
      if (!reply.success || !session.accept(reply.data)) {
        this.proxy.close();
        throw new RendererRefusedError(
          'UNAUTHORIZED',
          `The listener at ${this.endpoint.host}:${this.endpoint.port} could not prove it knows RENDERER_TOKEN, so nothing was sent to it. The gateway and the renderer do not share the same RENDERER_TOKEN, or something else holds the renderer's port.`,
        );
      }
      this.established = session;
      return session;
    } catch (error) {
      this.session = null;
      throw error instanceof RendererError ? error : toRendererError(LINK_HELLO_PATTERN, error, timeoutMs);
    }
  }

  onModuleDestroy(): void {
    this.statusSubscription.unsubscribe();
    void this.proxy.close();
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '[::1]';
}

/** An error reply of the contract is the renderer speaking; anything else means it could not be reached. */
export function toRendererError(pattern: string, error: unknown, timeoutMs: number): RendererError {
  const reply = RendererErrorReplySchema.safeParse(error);
  if (reply.success) {
    const advice =
      reply.data.code === 'UNAUTHORIZED'
        ? ' The gateway and the renderer do not share the same RENDERER_TOKEN.'
        : '';
    return new RendererRefusedError(
      reply.data.code,
      `The renderer refused ${pattern}: ${reply.data.message}.${advice}`,
    );
  }
  if (error instanceof TimeoutError) {
    return new RendererUnreachableError(`The renderer did not answer ${pattern} within ${timeoutMs} ms.`);
  }
  return new RendererUnreachableError(`The renderer is not reachable (${describe(error)}).`);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (error && typeof error === 'object' && 'message' in error)
    return String((error as { message: unknown }).message);
  return String(error);
}

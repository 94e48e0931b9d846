import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import {
  RENDERER_MAX_FRAME_BYTES,
  RENDERER_TOKEN_METADATA_KEY,
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
 * The only code that touches the ClientProxy: it adds the shared token to every packet, a timeout to
 * every send (Nest's send has none), validates replies against the contract, maps failures to the errors
 * above, and tells its listeners when the TCP link drops, because a dropped link may mean a restarted
 * renderer with an empty queue. Keeping the transport behind this class lets it be swapped later.
 * One client per renderer (RendererPool makes them); every renderer shares the token and TLS settings.
 */
@Injectable()
export class RendererClient implements OnModuleDestroy {
  private readonly logger = new Logger(RendererClient.name);
  private readonly proxy: ClientProxy;
  private readonly statusSubscription: Subscription;
  private readonly dropListeners: (() => void)[] = [];

  constructor(
    private readonly config: GatewayConfig,
    readonly endpoint: RendererEndpoint = config.renderer,
  ) {
    const { host, port } = endpoint;
    const { tlsCa, token } = config.renderer;
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
    this.proxy.setOnDispatchHook((packet) => {
      packet.metadata = { ...packet.metadata, [RENDERER_TOKEN_METADATA_KEY]: token };
    });
    this.statusSubscription = this.proxy.status.subscribe((status) => {
      if (status === 'disconnected') for (const listener of this.dropListeners) listener();
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
    try {
      await this.proxy.connect();
      reply = await firstValueFrom(this.proxy.send(pattern, payload).pipe(timeout({ first: timeoutMs })));
    } catch (error) {
      throw toRendererError(pattern, error, timeoutMs);
    }
    const parsed = replySchema.safeParse(reply);
    if (!parsed.success) {
      this.logger.error(`renderer sent a malformed ${pattern} reply: ${parsed.error.issues[0]?.message}`);
      throw new RendererProtocolError(`The renderer sent a malformed ${pattern} reply.`);
    }
    return parsed.data as RendererReply<P>;
  }

  onModuleDestroy(): void {
    this.statusSubscription.unsubscribe();
    void this.proxy.close();
  }
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

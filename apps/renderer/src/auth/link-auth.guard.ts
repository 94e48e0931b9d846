import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { RpcException, type TcpContext } from '@nestjs/microservices';
import {
  LINK_HELLO_PATTERN,
  MessageProofSchema,
  RENDERER_PROOF_METADATA_KEY,
  rendererError,
} from '#contracts';
import { LinkSessions } from './link-sessions.service.js';

/**
 * Global guard: a message runs only if its packet metadata carries a valid proof of the shared
 * RENDERER_TOKEN for this connection (made after the `link.hello` handshake; never the token itself), used
 * once. Anything else is refused before validation or any handler, and logged by pattern name only:
 * payloads may hold prompts, and a forged frame is not worth echoing. The hello is the one message that
 * needs no proof; a connection that sends nothing proven in time is closed (see bounded-json-socket).
 */
@Injectable()
export class LinkAuthGuard implements CanActivate {
  private readonly logger = new Logger('RendererAuth');

  constructor(private readonly sessions: LinkSessions) {}

  canActivate(context: ExecutionContext): boolean {
    const rpc = context.switchToRpc();
    const tcp = rpc.getContext<TcpContext | undefined>();
    const pattern = typeof tcp?.getPattern === 'function' ? tcp.getPattern() : 'unknown';
    if (pattern === LINK_HELLO_PATTERN) return true;
    const socket = typeof tcp?.getSocketRef === 'function' ? (tcp.getSocketRef() as object | null) : null;
    const raw: unknown =
      typeof tcp?.getMetadata === 'function' ? tcp.getMetadata()?.[RENDERER_PROOF_METADATA_KEY] : undefined;
    const proof = MessageProofSchema.safeParse(raw);
    const verdict = socket
      ? this.sessions.verify(socket, pattern, rpc.getData(), proof.success ? proof.data : undefined)
      : 'no handshake';
    if (verdict === 'ok') return true;
    this.logger.warn(`Refused ${sanitisePattern(pattern)}: ${verdict}`);
    throw new RpcException(rendererError('UNAUTHORIZED', `Refused: ${verdict} of the renderer token`));
  }
}

/** Patterns come from the wire too: keep the log line short and printable. */
function sanitisePattern(pattern: string): string {
  return pattern.replace(/[^\x20-\x7e]/g, '?').slice(0, 60);
}

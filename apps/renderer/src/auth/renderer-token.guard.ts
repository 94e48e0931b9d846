import { createHash, timingSafeEqual } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { RpcException, type TcpContext } from '@nestjs/microservices';
import { RENDERER_TOKEN_METADATA_KEY, rendererError } from '#contracts';
import { RENDERER_CONFIG, type RendererConfig } from '../config/renderer.config.js';

/**
 * Global guard: a message runs only if its packet metadata carries the shared RENDERER_TOKEN (the gateway sets it
 * with ClientProxy#setOnDispatchHook). Anything else is refused before validation or any handler, and logged by
 * pattern name only: payloads may hold prompts, and a forged frame is not worth echoing.
 */
@Injectable()
export class RendererTokenGuard implements CanActivate {
  private readonly logger = new Logger('RendererAuth');
  private readonly expectedDigest: Buffer;

  constructor(@Inject(RENDERER_CONFIG) config: RendererConfig) {
    this.expectedDigest = digest(config.token);
  }

  canActivate(context: ExecutionContext): boolean {
    const rpc = context.switchToRpc();
    const tcp = rpc.getContext<TcpContext | undefined>();
    const pattern = typeof tcp?.getPattern === 'function' ? tcp.getPattern() : 'unknown';
    const token =
      typeof tcp?.getMetadata === 'function' ? tcp.getMetadata()?.[RENDERER_TOKEN_METADATA_KEY] : undefined;
    // Comparing fixed-length digests keeps the comparison constant-time whatever length the caller sent.
    if (typeof token === 'string' && timingSafeEqual(digest(token), this.expectedDigest)) return true;
    this.logger.warn(
      `Refused ${sanitisePattern(pattern)}: ${token === undefined ? 'no token' : 'wrong token'}`,
    );
    throw new RpcException(rendererError('UNAUTHORIZED', 'Refused: missing or wrong renderer token'));
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Patterns come from the wire too: keep the log line short and printable. */
function sanitisePattern(pattern: string): string {
  return pattern.replace(/[^\x20-\x7e]/g, '?').slice(0, 60);
}

import { JsonSocket, type TcpSocket } from '@nestjs/microservices';
import type { Type } from '@nestjs/common';
import type { Socket } from 'node:net';

/** A connection that must prove the shared token in time (see LinkAuthGuard). */
export interface AuthDeadline {
  /** The connection has proved the token: it is no longer closed for being silent about it. */
  authenticated(): void;
}

export function hasAuthDeadline(socket: unknown): socket is AuthDeadline {
  return typeof (socket as Partial<AuthDeadline> | null)?.authenticated === 'function';
}

/**
 * Nest's JsonSocket with the frame limit applied as soon as the `<length>#` header arrives. The stock socket only
 * notices an oversized frame once that many characters have been buffered, so a peer announcing a gigabyte would
 * hold the connection (and up to the limit in memory) until the incomplete-message timeout. Here the connection is
 * destroyed at once; the server and its other connections carry on.
 *
 * Each connection also has `authTimeoutMs` to prove the shared token (a first message that passes the guard), or
 * it is closed: idle or unauthenticated connections cannot pile up.
 *
 * Nest passes framing options only to its own JsonSocket class, so the limits are bound into a subclass.
 */
export function boundedJsonSocket(
  maxFrameChars: number,
  incompleteMessageTimeoutMs = 30_000,
  authTimeoutMs: number | null = null,
): Type<TcpSocket> {
  return class BoundedJsonSocket extends JsonSocket implements AuthDeadline {
    private authDeadline: NodeJS.Timeout | null = null;

    constructor(socket: Socket) {
      super(socket, { maxBufferSize: maxFrameChars, incompleteMessageTimeout: incompleteMessageTimeoutMs });
      if (authTimeoutMs !== null) {
        this.authDeadline = setTimeout(() => socket.destroy(), authTimeoutMs);
        this.authDeadline.unref();
        socket.once('close', () => this.authenticated());
      }
    }

    authenticated(): void {
      if (this.authDeadline) clearTimeout(this.authDeadline);
      this.authDeadline = null;
    }

    protected override handleData(data: Buffer | string): void {
      super.handleData(data);
      // contentLength is private in JsonSocket; the spec for this class fails if Nest renames it.
      const announced = (this as unknown as { contentLength: number | null }).contentLength;
      if (announced !== null && (announced > maxFrameChars || announced < 0)) {
        this.handleDataError(new Error(`Frame of ${announced} characters refused (limit ${maxFrameChars})`), {
          destroy: true,
        });
      }
    }
  };
}

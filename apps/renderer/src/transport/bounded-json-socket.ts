import { JsonSocket, type TcpSocket } from '@nestjs/microservices';
import type { Type } from '@nestjs/common';
import type { Socket } from 'node:net';

/**
 * Nest's JsonSocket with the frame limit applied as soon as the `<length>#` header arrives. The stock socket only
 * notices an oversized frame once that many characters have been buffered, so a peer announcing a gigabyte would
 * hold the connection (and up to the limit in memory) until the incomplete-message timeout. Here the connection is
 * destroyed at once; the server and its other connections carry on.
 *
 * Nest passes framing options only to its own JsonSocket class, so the limits are bound into a subclass.
 */
export function boundedJsonSocket(
  maxFrameChars: number,
  incompleteMessageTimeoutMs = 30_000,
): Type<TcpSocket> {
  return class BoundedJsonSocket extends JsonSocket {
    constructor(socket: Socket) {
      super(socket, { maxBufferSize: maxFrameChars, incompleteMessageTimeout: incompleteMessageTimeoutMs });
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

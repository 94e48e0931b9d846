import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { AppRequest } from '../common/app-request.js';
import { GatewayConfig } from '../config/gateway.config.js';

/** Open event streams one session may hold: a few tabs; beyond that the pages refresh periodically. */
export const STREAMS_PER_SESSION = 5;
/** How long a refused page waits before trying a stream again (Retry-After). */
const RETRY_AFTER_S = 30;

/**
 * Counts the open event streams, per session and in all, and refuses one beyond the caps (429 for one
 * session's, 503 when the gateway is full): every stream holds a connection for as long as it lasts,
 * so without caps one guest could hold a thousand. A slot is released when its connection closes,
 * whichever way it ends.
 */
@Injectable()
export class LiveStreams {
  private total = 0;
  private readonly perSession = new Map<string, number>();

  constructor(private readonly config: GatewayConfig) {}

  /** Takes a slot for this request's stream, or throws the refusal. */
  open(req: AppRequest): void {
    const res = req.res as Response;
    const key = req.sessionID;
    const mine = this.perSession.get(key) ?? 0;
    if (mine >= STREAMS_PER_SESSION) {
      res.setHeader('Retry-After', String(RETRY_AFTER_S));
      throw new HttpException(
        'Too many live update streams for this session. Close some tabs; this page refreshes itself meanwhile.',
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    if (this.total >= this.config.events.maxStreams) {
      res.setHeader('Retry-After', String(RETRY_AFTER_S));
      throw new HttpException(
        'The party is busy: live updates are full right now. This page refreshes itself meanwhile.',
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    this.total += 1;
    this.perSession.set(key, mine + 1);
    let released = false;
    res.once('close', () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.perSession.get(key) ?? 1) - 1;
      if (left > 0) this.perSession.set(key, left);
      else this.perSession.delete(key);
    });
  }

  /** Streams open now, in all. */
  get count(): number {
    return this.total;
  }
}

import { Logger } from '@nestjs/common';
import WebSocket from 'ws';

/** After a failed connection, jobs do not wait for the socket for this long. */
const RETRY_QUIETLY_MS = 30_000;

export interface ComfyMessage {
  type: string;
  data: Record<string, unknown>;
}

/**
 * ComfyUI's WebSocket under our own clientId: the server sends our prompts' per-job messages here (and some
 * messages of everyone's, so listeners filter by prompt_id). Connected on demand; after a drop the old socket is
 * gone before a new one opens with the same clientId (the server forgets a sid when any socket with it closes).
 */
export class ComfySocket {
  private readonly logger = new Logger('ComfySocket');
  private socket: WebSocket | null = null;
  private opening: Promise<boolean> | null = null;
  private readonly listeners = new Set<(message: ComfyMessage) => void>();
  private closed = false;
  private failedAt = 0;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
  ) {}

  get open(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /**
   * Opens the socket if it is not; resolves whether it is open within `timeoutMs`. Never rejects. After a
   * failed attempt (a proxy that does not pass WebSockets, say) it tries again in the background for a while
   * instead of making every job wait: jobs then follow the history alone.
   */
  ensure(timeoutMs: number): Promise<boolean> {
    if (this.open) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    this.opening ??= this.connect(timeoutMs)
      .then((open) => {
        if (!open) this.failedAt = Date.now();
        return open;
      })
      .finally(() => (this.opening = null));
    if (Date.now() - this.failedAt < RETRY_QUIETLY_MS) return Promise.resolve(false);
    return this.opening;
  }

  subscribe(listener: (message: ComfyMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.socket?.terminate();
    this.socket = null;
  }

  private connect(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      // No Origin header: ComfyUI's origin check then lets us through (reference §8).
      const socket = new WebSocket(this.url, { headers: this.headers, handshakeTimeout: timeoutMs });
      let settled = false;
      const settle = (open: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(open);
      };
      const timer = setTimeout(() => {
        socket.terminate();
        settle(false);
      }, timeoutMs);
      socket.on('open', () => {
        this.socket = socket;
        settle(true);
      });
      socket.on('message', (raw, isBinary) => {
        // Binary frames are previews (off by default); nothing of ours.
        if (isBinary) return;
        let message: unknown;
        try {
          message = JSON.parse(raw.toString());
        } catch {
          return;
        }
        if (!isMessage(message)) return;
        for (const listener of this.listeners) listener(message);
      });
      socket.on('error', (error) => {
        this.logger.debug?.(`ComfyUI socket: ${error.message}`);
        settle(false);
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = null;
        settle(false);
      });
    });
  }
}

function isMessage(value: unknown): value is ComfyMessage {
  if (typeof value !== 'object' || value === null) return false;
  const { type, data } = value as { type?: unknown; data?: unknown };
  return typeof type === 'string' && typeof data === 'object' && data !== null && !Array.isArray(data);
}

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { boundedJsonSocket, hasAuthDeadline, type AuthDeadline } from './bounded-json-socket.js';

/** Enough of a net.Socket for JsonSocket: events plus end/destroy that we can observe. */
class FakeSocket extends EventEmitter {
  ended = false;
  destroyed = false;
  end() {
    this.ended = true;
    return this;
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}

function setUp(maxChars: number) {
  const raw = new FakeSocket();
  const errors: unknown[] = [];
  const messages: unknown[] = [];
  const BoundedSocket = boundedJsonSocket(maxChars) as unknown as new (socket: Socket) => unknown;
  const socket = new BoundedSocket(raw as unknown as Socket);
  raw.on('error', (error) => errors.push(error));
  raw.on('message', (message) => messages.push(message));
  return { raw, socket, errors, messages };
}

describe('boundedJsonSocket', () => {
  it('passes normal frames through', () => {
    const { raw, messages, errors } = setUp(1000);
    const body = JSON.stringify({ pattern: 'render.status', data: {}, id: '1' });
    raw.emit('data', Buffer.from(`${body.length}#${body}`));
    expect(messages).toEqual([{ pattern: 'render.status', data: {}, id: '1' }]);
    expect(errors).toEqual([]);
  });

  it('drops the connection as soon as a header announces an oversized frame', () => {
    const { raw, messages, errors } = setUp(1000);
    raw.emit('data', Buffer.from('999999999#{"pattern":'));
    expect(raw.destroyed).toBe(true);
    expect(messages).toEqual([]);
    expect(String(errors[0])).toContain('999999999');
  });

  it('still refuses a frame that grows past the limit without a lying header', () => {
    const { raw, messages } = setUp(100);
    raw.emit('data', Buffer.from(`50#${'x'.repeat(200)}`));
    expect(messages).toEqual([]);
    expect(raw.ended || raw.destroyed).toBe(true);
  });

  it('closes a connection that has not proved the token by the deadline, and keeps one that has', () => {
    vi.useFakeTimers();
    try {
      const Bounded = boundedJsonSocket(1000, 30_000, 500) as unknown as new (socket: Socket) => AuthDeadline;
      const silent = new FakeSocket();
      expect(hasAuthDeadline(new Bounded(silent as unknown as Socket))).toBe(true);
      const proven = new FakeSocket();
      const provenSocket = new Bounded(proven as unknown as Socket);
      vi.advanceTimersByTime(100);
      expect(hasAuthDeadline(provenSocket)).toBe(true);
      provenSocket.authenticated();
      vi.advanceTimersByTime(399);
      expect(silent.destroyed).toBe(false);
      vi.advanceTimersByTime(1);
      expect(silent.destroyed).toBe(true);
      expect(proven.destroyed).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SD_CONNECT_TIMEOUT_CODE } from './a1111-errors.js';
import { armConnectTimer, createConnectTimeoutAgent, withConnectTimeout } from './connect-timeout-agent.js';

/** Stands in for a socket whose SYN is never answered (a firewall dropping packets, a powered-off GPU box). */
class StuckSocket extends EventEmitter {
  connecting = true;
  destroyedWith: (Error & { code?: string }) | undefined;
  destroy(error?: Error) {
    this.destroyedWith = error;
    this.emit('close');
  }
}

describe('connect timeout', () => {
  it('destroys a socket that does not connect in time, with a code that reads as unreachable', async () => {
    const socket = new StuckSocket();
    armConnectTimer(socket as unknown as Socket, 20);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(socket.destroyedWith?.code).toBe(SD_CONNECT_TIMEOUT_CODE);
  });

  it('leaves a socket alone once it has connected', async () => {
    const socket = new StuckSocket();
    armConnectTimer(socket as unknown as Socket, 20);
    socket.connecting = false;
    socket.emit('connect');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(socket.destroyedWith).toBeUndefined();
  });

  it('arms the timer on every socket the agent creates', async () => {
    const agent = new http.Agent();
    const stuck = new StuckSocket();
    agent.createConnection = () => stuck as unknown as Socket;
    withConnectTimeout(agent, 20).createConnection({ host: 'gpu', port: 7860 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(stuck.destroyedWith?.code).toBe(SD_CONNECT_TIMEOUT_CODE);
    agent.destroy();
  });

  it('builds plain and TLS agents', () => {
    const plain = createConnectTimeoutAgent(false, 100);
    const secure = createConnectTimeoutAgent(true, 100);
    expect(plain).toBeInstanceOf(http.Agent);
    expect(secure).toBeInstanceOf(https.Agent);
    plain.destroy();
    secure.destroy();
  });
});

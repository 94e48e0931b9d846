import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SD_CONNECT_TIMEOUT_CODE } from './a1111-errors.js';

/**
 * An http(s) Agent whose sockets give up if the TCP connection is not established within `connectTimeoutMs`.
 * axios's `timeout` covers the whole request, and an image may legitimately take minutes, so it cannot also stand
 * for "the server is not there"; this timer does, and only until the socket connects.
 */
export function createConnectTimeoutAgent(
  secure: boolean,
  connectTimeoutMs: number,
  options: http.AgentOptions = {},
): http.Agent {
  return withConnectTimeout(secure ? new https.Agent(options) : new http.Agent(options), connectTimeoutMs);
}

/** Wraps the agent's socket factory so every new socket gets the connect timer. */
export function withConnectTimeout<A extends http.Agent>(agent: A, connectTimeoutMs: number): A {
  const createConnection = agent.createConnection.bind(agent) as (
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ) => Duplex | null | undefined;
  agent.createConnection = (connectOptions, callback) => {
    const socket = createConnection(connectOptions, callback);
    if (socket) armConnectTimer(socket as Socket, connectTimeoutMs);
    return socket;
  };
  return agent;
}

export function armConnectTimer(socket: Socket, connectTimeoutMs: number): void {
  if (!socket.connecting) return;
  const timer = setTimeout(() => {
    const error = Object.assign(new Error(`connect timed out after ${connectTimeoutMs} ms`), {
      code: SD_CONNECT_TIMEOUT_CODE,
    });
    socket.destroy(error);
  }, connectTimeoutMs);
  const clear = () => clearTimeout(timer);
  socket.once('connect', clear);
  socket.once('close', clear);
}

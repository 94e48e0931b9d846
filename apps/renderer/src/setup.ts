import 'reflect-metadata';
import type { AddressInfo, Server } from 'node:net';
import { type INestMicroservice, Logger, type LogLevel, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { LINK_DEFAULTS, type RendererConfig } from './config/renderer.config.js';
import { RendererModule } from './renderer.module.js';
import { boundedJsonSocket } from './transport/bounded-json-socket.js';

export interface CreateRendererOptions {
  /** Nest logger setting; tests usually pass false or ['error']. */
  logger?: LoggerService | LogLevel[] | false;
}

export interface StartedRenderer {
  app: INestMicroservice;
  host: string;
  /** The bound port: the configured one, or the one the OS chose when RENDERER_PORT is 0. */
  port: number;
  tls: boolean;
  close(): Promise<void>;
}

/** Builds and starts the renderer microservice on TCP (TLS when configured). main.ts and the e2e tests share it. */
export async function createRenderer(
  config: RendererConfig,
  options: CreateRendererOptions = {},
): Promise<StartedRenderer> {
  const authTimeoutMs = config.authTimeoutMs ?? LINK_DEFAULTS.authTimeoutMs;
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(RendererModule.forRoot(config), {
    transport: Transport.TCP,
    options: {
      host: config.host,
      port: config.port,
      // A TLS handshake gets no longer than proving the token does.
      ...(config.tls ? { tlsOptions: { ...config.tls, handshakeTimeout: authTimeoutMs } } : {}),
      // Framing limits: an oversized or malformed frame closes that one connection, never the process; so
      // does a connection that has not proved the token within authTimeoutMs.
      socketClass: boundedJsonSocket(config.maxFrameBytes, undefined, authTimeoutMs),
    },
    abortOnError: false,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  // Beyond this many open connections, new ones are closed at once (Node's net.Server#maxConnections).
  app.unwrap<Server>().maxConnections = config.maxConnections ?? LINK_DEFAULTS.maxConnections;
  await app.listen();
  const address = app.unwrap<Server>().address() as AddressInfo;
  new Logger('Renderer').log(
    `Listening on ${config.tls ? 'tls' : 'tcp'}://${config.host}:${address.port}` +
      (config.tls ? '' : ' (plain TCP: set RENDERER_TLS_CERT/KEY for a link between machines)'),
  );
  return { app, host: config.host, port: address.port, tls: config.tls !== null, close: () => app.close() };
}

import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { RendererStatus, WorkerStatus } from '#contracts';
import { GatewayConfig, type RendererEndpoint } from '../config/gateway.config.js';
import { RendererClient } from './renderer.client.js';
import { RendererLink } from './renderer-link.service.js';

/** Makes the client of one renderer; tests replace it with fakes. */
export const RENDERER_CLIENT_FACTORY = Symbol('RENDERER_CLIENT_FACTORY');
export type RendererClientFactory = (endpoint: RendererEndpoint, index: number) => RendererClient;

/** One renderer: its client and its link monitor. */
export interface RendererConnection {
  /** Its place in RENDERERS, from 0. */
  index: number;
  /** `host:port` as RENDERERS lists it; its workers' keys start with it. */
  key: string;
  client: RendererClient;
  link: RendererLink;
}

/** One worker (SD server) of a renderer, as last reported. */
export interface WorkerView {
  /** `host:port/index`: what a suggestion records as its worker. */
  key: string;
  connection: RendererConnection;
  index: number;
  status: WorkerStatus;
  /** Takes new jobs: its renderer is connected, it is not paused, and its SD server answers. */
  usable: boolean;
}

export function workerKey(rendererKey: string, index: number): string {
  return `${rendererKey}/${index}`;
}

/** The renderer part and the worker index of a worker key. */
export function parseWorkerKey(key: string): { renderer: string; index: number } {
  const slash = key.lastIndexOf('/');
  return { renderer: key.slice(0, slash), index: Number(key.slice(slash + 1)) };
}

/**
 * Every renderer the gateway feeds (RENDERERS, or the one at RENDERER_HOST:RENDERER_PORT), each with its
 * own client and link monitor, and the workers they report. Listeners hear when any link comes (back) up
 * and when anything a link reports changes.
 */
@Injectable()
export class RendererPool implements OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy {
  readonly connections: RendererConnection[];

  constructor(config: GatewayConfig, @Inject(RENDERER_CLIENT_FACTORY) factory: RendererClientFactory) {
    const several = config.renderers.length > 1;
    this.connections = config.renderers.map((endpoint, index) => {
      const key = `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
      const client = factory(endpoint, index);
      const link = new RendererLink(client, several ? `RendererLink ${key}` : 'RendererLink');
      return { index, key, client, link };
    });
  }

  onApplicationBootstrap(): void {
    for (const { link } of this.connections) link.onApplicationBootstrap();
  }

  onApplicationShutdown(): void {
    for (const { link } of this.connections) link.onApplicationShutdown();
  }

  onModuleDestroy(): void {
    for (const { client } of this.connections) client.onModuleDestroy();
  }

  /** Called each time a renderer's link comes up, the first time included. */
  onUp(listener: (connection: RendererConnection) => void): void {
    for (const connection of this.connections) connection.link.onUp(() => listener(connection));
  }

  /** Called whenever a link's state or a renderer's status changes. */
  onChange(listener: (connection: RendererConnection) => void): void {
    for (const connection of this.connections) connection.link.onChange(() => listener(connection));
  }

  get anyConnected(): boolean {
    return this.connections.some((connection) => connection.link.connected);
  }

  /** Whether every link monitor has stopped (shutdown). */
  get stopped(): boolean {
    return this.connections.every((connection) => connection.link.stopped);
  }

  connection(rendererKey: string): RendererConnection | undefined {
    return this.connections.find((connection) => connection.key === rendererKey);
  }

  /** The renderer a worker key belongs to (connected or not). */
  connectionOf(worker: string): RendererConnection | undefined {
    return this.connection(parseWorkerKey(worker).renderer);
  }

  /** Every worker of every connected renderer, in RENDERERS then SD_URL order. */
  workers(): WorkerView[] {
    const views: WorkerView[] = [];
    for (const connection of this.connections) {
      const { status } = connection.link.view;
      if (!connection.link.connected || !status) continue;
      for (const worker of workersOf(status)) {
        views.push({
          key: workerKey(connection.key, worker.index),
          connection,
          index: worker.index,
          status: worker,
          usable:
            !worker.paused && !worker.waitingForSd && (worker.backend === 'preview' || worker.sdReachable),
        });
      }
    }
    return views;
  }
}

/** A renderer's workers; one older than several SD servers reports its only one in the top-level fields. */
export function workersOf(status: RendererStatus): WorkerStatus[] {
  if (status.workers && status.workers.length > 0) return status.workers;
  const { unacknowledgedResults: _results, workers: _workers, ...one } = status;
  return [{ ...one, index: 0 }];
}

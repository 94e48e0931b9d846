import { join } from 'node:path';
import type { DynamicModule, ForwardReference, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { ThrottlerModule } from '@nestjs/throttler';
import { AnswerModule } from '../../apps/gateway/src/common/answer/answer.module.js';
import { ConfigModule } from '../../apps/gateway/src/config/config.module.js';
import { loadGatewayConfig, type GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { DatabaseModule } from '../../apps/gateway/src/database/database.module.js';
import { LiveEventsModule } from '../../apps/gateway/src/live/live-events.module.js';
import {
  RENDERER_CLIENT_FACTORY,
  RendererPool,
} from '../../apps/gateway/src/renderer/renderer-pool.service.js';
import { RendererModule } from '../../apps/gateway/src/renderer/renderer.module.js';
import { SuggestionLifecycle } from '../../apps/gateway/src/suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { UsersModule } from '../../apps/gateway/src/users/users.module.js';
import { UsersRepository } from '../../apps/gateway/src/users/users.repository.js';
import { eventually } from '../pipeline/processes.js';
import type { FakeRendererClient } from './fake-renderer-client.js';

type Import = Type | DynamicModule | Promise<DynamicModule> | ForwardReference;

export interface ModuleTestBed {
  module: TestingModule;
  config: GatewayConfig;
  close(): Promise<void>;
}

/**
 * Some of the gateway's modules over a real SQLite file (migrated as in production) in `dir`, without
 * HTTP: for service-level specs of the lifecycle, the dispatcher and the result intake. `overrides`
 * replace providers (e.g. a fake RendererClient) by their token.
 */
export async function moduleTestBed(
  dir: string,
  imports: Import[],
  overrides: { provide: Type | string | symbol; useValue: unknown }[] = [],
  env: Record<string, string> = {},
): Promise<ModuleTestBed> {
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    DATABASE_PATH: join(dir, 'vernissage.sqlite'),
    OUTPUT_DIR: join(dir, 'output'),
    UPLOAD_DIR: join(dir, 'uploads'),
    RENDERER_TOKEN_FILE: join(dir, 'renderer.token'),
    RENDERER_PORT: '1',
    ...env,
  });
  let builder = Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      DatabaseModule,
      LiveEventsModule,
      // Controllers in the modules under test carry throttle guards and @Answer's interceptor (which
      // needs the global PageRegistry); nothing here sends HTTP.
      ThrottlerModule.forRoot({ throttlers: [{ name: 'submissions', ttl: 60_000, limit: 10 }] }),
      AnswerModule,
      ...imports,
    ],
  });
  for (const { provide, useValue } of overrides) {
    builder = builder.overrideProvider(provide).useValue(useValue);
  }
  const module = await builder.compile();
  module.useLogger(false);
  await module.init();
  return { module, config, close: () => module.close() };
}

/**
 * The gateway's renderer parts (link monitors, dispatcher, result intake) over a real SQLite file, with
 * each renderer replaced by a fake client (RENDERERS lists one placeholder address per fake); a guest and
 * a host exist, and every link is up.
 */
export async function rendererTestBed(
  dir: string,
  renderer: FakeRendererClient | FakeRendererClient[],
  env: Record<string, string> = {},
) {
  const fakes = Array.isArray(renderer) ? renderer : [renderer];
  const bed = await moduleTestBed(
    dir,
    [RendererModule, UsersModule],
    [{ provide: RENDERER_CLIENT_FACTORY, useValue: (_endpoint: unknown, index: number) => fakes[index] }],
    { RENDERERS: fakes.map((_, i) => `127.0.0.1:${i + 1}`).join(','), ...env },
  );
  const users = bed.module.get(UsersRepository);
  const guest = (await users.createWithColour('guest', null)).id;
  const host = (await users.createWithColour('admin', null)).id;
  const pool = bed.module.get(RendererPool);
  await eventually(
    () => pool.connections.every((connection) => connection.link.connected),
    Boolean,
    5000,
    'the links',
  );
  return {
    pool,
    ...bed,
    lifecycle: bed.module.get(SuggestionLifecycle),
    queries: bed.module.get(SuggestionQueries),
    users,
    guest,
    host,
  };
}

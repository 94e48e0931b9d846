import { createServer } from 'node:net';
import { Logger, ValidationPipe, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { ACCOUNT_LIMITS, PROMPT_LIMITS } from '#contracts';
import session from 'express-session';
import { ClaimService } from './admin/claim.service.js';
import { guestLinkWarning } from './admin/guest-link.service.js';
import { recordRunningOrigin } from './admin/running-origin.js';
import { setUpApiDocs } from './api/api-docs.js';
import { AppModule } from './app.module.js';
import { AnsweringExpressAdapter } from './common/answer/answering-express-adapter.js';
import { AllExceptionsFilter, sendError, toErrorBody } from './common/all-exceptions.filter.js';
import { PUBLIC_DIR, VIEWS_DIR } from './common/paths.js';
import { securityHeaders } from './common/security.middleware.js';
import { configureViewEngine } from './common/view-engine.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { SESSION_COOKIE } from './sessions/session-utils.js';
import { SqliteSessionStore } from './sessions/sqlite-session.store.js';
import './sessions/session-data.js';

export const BODY_LIMIT = '64kb';
const SESSION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const SESSION_PRUNE_INTERVAL_MS = 3600 * 1000;

/**
 * Builds the gateway exactly as production runs it; main.ts and the e2e tests both call this, so tests
 * exercise the real middleware order, session store, guards and views.
 */
export async function createGatewayApp(
  config: GatewayConfig,
  options: { logger?: LogLevel[] | false } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config),
    new AnsweringExpressAdapter(),
    {
      bodyParser: false,
      logger: options.logger ?? ['log', 'warn', 'error'],
      // Event streams and keep-alive connections would otherwise hold a shutdown open for seconds.
      forceCloseConnections: true,
    },
  );
  // Off by default, so X-Forwarded-For from a client means nothing; the proxy's own addresses are trusted,
  // nobody else's (a direct client's forwarded headers are ignored).
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // Pages carry a fresh CSP nonce and CSRF token, so a body hash would never match: hashing every answer to
  // make an ETag only costs CPU. (Static files keep theirs: serve-static sets its own.)
  app.set('etag', false);
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { extended: false, limit: BODY_LIMIT });

  app.use(securityHeaders);
  const store = new SqliteSessionStore(app.get(SessionsRepository));
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: config.sessionSecret,
      store,
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: SESSION_MAX_AGE_MS },
    }),
  );
  const prune = setInterval(
    () => void store.pruneExpired().catch(() => undefined),
    SESSION_PRUNE_INTERVAL_MS,
  );
  prune.unref();

  configureViewEngine();
  app.setBaseViewsDir(VIEWS_DIR);
  app.setViewEngine('hbs');
  // Express caches compiled views only when NODE_ENV=production; cache them unless developing.
  app.set('view cache', config.env !== 'development');
  app.set('view options', { layout: 'layouts/main' });
  // The limits every form shows and enforces in the browser, from the one definition the server checks.
  app.setLocal('limits', {
    promptMax: PROMPT_LIMITS.maxLength,
    passwordMin: ACCOUNT_LIMITS.passwordMinLength,
    passwordMax: ACCOUNT_LIMITS.passwordMaxLength,
  });
  app.useStaticAssets(PUBLIC_DIR, { prefix: '/public/', maxAge: '1h' });

  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      transform: true,
      whitelist: true,
      stopAtFirstError: true,
      validationError: { target: false, value: false },
    }),
  );
  app.enableShutdownHooks();
  setUpApiDocs(app, config);
  await app.init();
  // Errors raised by Express middleware before Nest's router (body too large, malformed JSON) land here.
  const logger = new Logger('Errors');
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendError(req, res, toErrorBody(error, logger));
  });
  return app;
}

/**
 * One line for a port that cannot be had (taken, or not allowed), or null when it is free. Checked before
 * the app is built, so a second start says so at once instead of booting, logging and failing.
 */
export async function listenProblem(config: GatewayConfig): Promise<string | null> {
  const code = await new Promise<string | null>((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    probe.listen({ port: config.port, host: config.host, exclusive: true }, () =>
      probe.close(() => resolve(null)),
    );
  });
  const where = `${config.host}:${config.port}`;
  if (code === null) return null;
  if (code === 'EADDRINUSE') {
    return `Cannot start: ${where} (PORT) is already in use. Is Vernissage already running? Stop it, or set another PORT.`;
  }
  return `Cannot start: cannot listen on ${where} (${code}). Check HOST and PORT.`;
}

/** After listening: print where to go, and the one-time claim link while there is no admin yet. */
export async function announce(
  app: NestExpressApplication,
  config: GatewayConfig,
  port: number,
): Promise<void> {
  const logger = new Logger('Vernissage');
  const origin = config.originFor(port);
  recordRunningOrigin(config, origin);
  logger.log(`Guests open ${origin}/`);
  const warning = guestLinkWarning(config);
  if (warning) logger.warn(warning);
  const link = await app.get(ClaimService).linkIfNoAdmin(origin);
  if (link) {
    logger.log('No admin yet. Open this one-time link on the host device to become the admin:');
    console.log(link);
  }
}

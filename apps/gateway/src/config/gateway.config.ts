import { dirname, join, resolve } from 'node:path';
import { readOrCreateSecretFile } from '#contracts';
import { z } from 'zod';

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** A whole number in a range, with a message a person can act on (zod's own says "received NaN"). */
const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce
    .number({ error: message })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
};
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.output<T>) =>
  z.preprocess(blankToUndefined, schema.optional()).transform((value) => value ?? fallback);
const port = wholeNumber(0, 65535);
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));
const seconds = wholeNumber(1, 365 * 24 * 3600);
/**
 * TRUST_PROXY: off, or the proxy itself: `loopback`, or addresses and CIDRs separated by commas (Express's
 * trust-proxy semantics). Naming the proxy means a client that reaches the gateway directly cannot pass
 * off a forged X-Forwarded-For. `on` (one hop, whoever it is) is refused for exactly that reason.
 */
const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): false | string[] => {
    const lower = value.toLowerCase();
    if (['0', 'false', 'off', 'no', ''].includes(lower)) return false;
    if (['1', 'true', 'on', 'yes'].includes(lower)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'name the proxy (loopback, its address or CIDR) instead of on: anyone reaching the gateway directly could forge X-Forwarded-For',
      });
      return z.NEVER;
    }
    const entries = lower.split(',').map((entry) => entry.trim());
    if (entries.every((entry) => TRUSTED_PROXY_ENTRY.test(entry))) return entries;
    ctx.addIssue({
      code: 'custom',
      message: 'expected off, loopback, or proxy addresses/CIDRs separated by commas',
    });
    return z.NEVER;
  });
const TRUSTED_PROXY_ENTRY = /^(?:loopback|linklocal|uniquelocal|[0-9a-f:.]+(?:\/\d{1,3})?)$/;

/** Where one renderer listens. */
export interface RendererEndpoint {
  host: string;
  port: number;
}

/**
 * RENDERERS: `host:port` entries separated by commas (an IPv6 address in brackets, `[::1]:4001`); each
 * renderer at most once.
 */
const rendererList = z
  .string()
  .trim()
  .transform((value, ctx): RendererEndpoint[] | undefined => {
    if (value === '') return undefined;
    const endpoints: RendererEndpoint[] = [];
    for (const entry of value.split(',').map((part) => part.trim())) {
      const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(entry);
      const port = match ? Number(match[3]) : NaN;
      if (!match || port < 1 || port > 65535) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port (e.g. gpu-box:4001)` });
        return z.NEVER;
      }
      const host = match[1] ?? match[2];
      if (endpoints.some((known) => known.host === host && known.port === port)) {
        ctx.addIssue({ code: 'custom', message: `lists ${entry} twice` });
        return z.NEVER;
      }
      endpoints.push({ host, port });
    }
    return endpoints;
  });

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  PORT: withDefault(port, 3000),
  DATABASE_PATH: z.string().trim().min(1).default('database/vernissage.sqlite'),
  OUTPUT_DIR: z.string().trim().min(1).default('output'),
  UPLOAD_DIR: z.string().trim().min(1).default('database/uploads'),
  SESSION_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  FINGERPRINT_SECRET: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  RENDERER_HOST: z.string().trim().min(1).default('127.0.0.1'),
  RENDERER_PORT: withDefault(port, 4001),
  RENDERER_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  RENDERER_TOKEN_FILE: z.string().trim().min(1).default('database/renderer.token'),
  RENDERER_TLS_CA: optionalText,
  RENDERER_TIMEOUT_MS: withDefault(wholeNumber(100, 3_600_000), 5000),
  RENDERERS: rendererList.optional(),
  RENDERER_GRACE_MS: withDefault(wholeNumber(100, 3_600_000), 20_000),
  TRUST_PROXY: trustProxy.default(false),
  PUBLIC_URL: optionalText.pipe(z.url({ protocol: /^https?$/ }).optional()),
  SMTP_URL: optionalText,
  MAIL_FROM: optionalText,
  PASSWORD_RESET_TTL_S: withDefault(seconds, 600),
  INVITE_TTL_S: withDefault(seconds, 172_800),
  MAX_PENDING_PER_GUEST: withDefault(wholeNumber(1, 1000), 5),
  SUBMISSIONS_PER_MINUTE: withDefault(wholeNumber(1, 10_000), 10),
  CLAIM_LINK_TTL_S: withDefault(seconds, 86_400),
  MAX_EVENT_STREAMS: withDefault(wholeNumber(1, 100_000), 2000),
  // At most 20 s, so a proxy's idle timeout (nginx: 60 s by default) never cuts a quiet stream.
  EVENT_HEARTBEAT_S: withDefault(wholeNumber(1, 20), 15),
});

export type GatewayEnv = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {}

/**
 * The gateway's one validated configuration. Built once at start from the environment; nothing else in
 * the app reads process.env. Secrets that are not given are generated once and kept beside the database,
 * so restarts keep sessions and fingerprints valid without anyone having to invent a secret.
 */
export class GatewayConfig {
  readonly env: GatewayEnv['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  readonly databasePath: string;
  readonly outputDir: string;
  /** Guests' pictures for img2img; outside any folder served to the web. */
  readonly uploadDir: string;
  readonly sessionSecret: string;
  readonly fingerprintSecret: string;
  /** The first renderer's address, and what every renderer link shares (token, TLS, timeout). */
  readonly renderer: { host: string; port: number; token: string; tlsCa?: string; timeoutMs: number };
  /** Every renderer, from RENDERERS or else RENDERER_HOST/RENDERER_PORT; at least one. */
  readonly renderers: RendererEndpoint[];
  /** How long a lost renderer or SD server keeps its unfinished jobs before they go to the others. */
  readonly rendererGraceMs: number;
  /** Express's `trust proxy`: false, or the proxy's own addresses (forwarded headers count from them only). */
  readonly trustProxy: false | string[];
  readonly publicUrl?: string;
  readonly mail: { smtpUrl?: string; from: string; passwordResetTtlS: number; inviteTtlS: number };
  readonly limits: { maxPendingPerGuest: number; submissionsPerMinute: number };
  readonly claimLinkTtlS: number;
  /** Live update streams (server-sent events): how many may be open at once, and their heartbeat. */
  readonly events: { maxStreams: number; heartbeatMs: number };

  constructor(values: GatewayEnv, secrets: { session: string; fingerprint: string; renderer: string }) {
    this.env = values.NODE_ENV;
    this.host = values.HOST;
    this.port = values.PORT;
    this.databasePath = values.DATABASE_PATH === ':memory:' ? ':memory:' : resolve(values.DATABASE_PATH);
    this.outputDir = resolve(values.OUTPUT_DIR);
    this.uploadDir = resolve(values.UPLOAD_DIR);
    this.sessionSecret = secrets.session;
    this.fingerprintSecret = secrets.fingerprint;
    this.renderers = values.RENDERERS ?? [{ host: values.RENDERER_HOST, port: values.RENDERER_PORT }];
    this.rendererGraceMs = values.RENDERER_GRACE_MS;
    this.renderer = {
      host: this.renderers[0].host,
      port: this.renderers[0].port,
      token: secrets.renderer,
      tlsCa: values.RENDERER_TLS_CA,
      timeoutMs: values.RENDERER_TIMEOUT_MS,
    };
    this.trustProxy = values.TRUST_PROXY;
    this.publicUrl = values.PUBLIC_URL?.replace(/\/+$/, '');
    this.mail = {
      smtpUrl: values.SMTP_URL,
      from: values.MAIL_FROM ?? 'Vernissage <vernissage@localhost>',
      passwordResetTtlS: values.PASSWORD_RESET_TTL_S,
      inviteTtlS: values.INVITE_TTL_S,
    };
    this.limits = {
      maxPendingPerGuest: values.MAX_PENDING_PER_GUEST,
      submissionsPerMinute: values.SUBMISSIONS_PER_MINUTE,
    };
    this.claimLinkTtlS = values.CLAIM_LINK_TTL_S;
    this.events = { maxStreams: values.MAX_EVENT_STREAMS, heartbeatMs: values.EVENT_HEARTBEAT_S * 1000 };
  }

  /** The origin guests and mailed links use. */
  originFor(boundPort = this.port): string {
    return this.publicUrl ?? `http://localhost:${boundPort}`;
  }
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    // One line, each problem naming its variable: this is all a person sees when the app will not start.
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}.`);
  }
  const values = parsed.data;
  const secretDir =
    values.DATABASE_PATH === ':memory:' ? resolve('database') : dirname(resolve(values.DATABASE_PATH));
  const secrets = {
    session: values.SESSION_SECRET ?? readOrCreateSecretFile(join(secretDir, 'session.secret')),
    fingerprint: values.FINGERPRINT_SECRET ?? readOrCreateSecretFile(join(secretDir, 'fingerprint.secret')),
    renderer: values.RENDERER_TOKEN ?? readOrCreateSecretFile(resolve(values.RENDERER_TOKEN_FILE)),
  };
  return new GatewayConfig(values, secrets);
}

import type { IncomingMessage } from 'node:http';
import { checkBasicAuth } from './auth.js';
import { CHECKPOINTS, SAMPLERS, SCHEDULERS, SDNEXT_SAMPLERS } from './catalog.js';
import { routeError, validationError } from './errors.js';
import { generate, type GenerationConfig, type GenerationKind, type InjectedFailure } from './generate.js';
import type { QueueLock } from './lock.js';
import { OptionsStore } from './options.js';
import { previewPng } from './png.js';
import { BOOL_ERROR, parseQueryBool, validateBody, type FieldSpec } from './pydantic.js';
import { bodyValue, type ParsedBody } from './request-body.js';
import { IMG2IMG_FIELDS, TXT2IMG_FIELDS } from './request-models.js';
import { progressResponse, type SharedState } from './state.js';
import type { StatsTracker } from './stats.js';
import type { TaskTracker } from './tasks.js';
import type { FakeFlavour, FakeMode } from './types.js';

/** What the A1111 routes need from the server that owns them. */
export interface ApiContext {
  lock: QueueLock;
  state: SharedState;
  stats: StatsTracker;
  options: OptionsStore;
  tasks: TaskTracker;
  flavour: FakeFlavour;
  auth: { username: string; password: string } | undefined;
  uiMode: boolean;
  signal: AbortSignal;
  generationConfig(): GenerationConfig;
  /** Consumes one failure from the budget if the current mode is one of `modes`. */
  takeFailure(modes: readonly FakeMode[]): FakeMode | null;
  /** Loads a checkpoint under the lock, as a model switch through /options does. */
  switchModel(title: string): Promise<void>;
}

export type RouteResult =
  { kind: 'json'; payload: unknown } | { kind: 'hang' } | { kind: 'reset'; payload: unknown };

interface RouteInput {
  url: URL;
  /** The parsed JSON body, for routes that declare one. */
  body: unknown;
}

interface Route {
  handler: (ctx: ApiContext, input: RouteInput) => Promise<RouteResult> | RouteResult;
  /** FastAPI only reads and parses a body for routes with a body parameter. */
  takesBody?: boolean;
}

const json = (payload: unknown): RouteResult => ({ kind: 'json', payload });

const VALIDATION_422 = [
  { loc: ['body', 'width'], msg: 'value is not a valid integer', type: 'type_error.integer' },
];

function generationRoute(kind: GenerationKind, fields: readonly FieldSpec[]): Route {
  return {
    takesBody: true,
    async handler(ctx, { body }) {
      const early = ctx.takeFailure(['validation422', 'hang']);
      if (early === 'validation422') throw validationError(VALIDATION_422);
      if (early === 'hang') return { kind: 'hang' };
      const validated = validateBody(fields, body);
      if (!validated.ok) throw validationError(validated.issues);
      const failure = ctx.takeFailure([
        'error500',
        'oom',
        'broken',
        'reset',
        'stall',
        'empty200',
        'ignore-model',
      ]) as InjectedFailure | null;
      const deps = { ...ctx, config: ctx.generationConfig() };
      const response = await generate(deps, kind, validated.values, failure);
      return failure === 'reset' ? { kind: 'reset', payload: response } : json(response);
    },
  };
}

async function setOptions(ctx: ApiContext, body: unknown): Promise<RouteResult> {
  const validated = validateBody([], body);
  if (!validated.ok) throw validationError(validated.issues);
  const request = body as Record<string, unknown>;
  OptionsStore.assertCheckpointExists(request['sd_model_checkpoint']);
  for (const [key, value] of Object.entries(request)) {
    const changed = ctx.options.set(key, value);
    // The checkpoint's onchange hook reloads the model through wrap_queued_call, i.e. behind the lock.
    if (changed && key === 'sd_model_checkpoint') await ctx.switchModel(value as string);
  }
  return json(null);
}

const ROUTES: Record<string, Partial<Record<string, Route>>> = {
  '/sdapi/v1/txt2img': { POST: generationRoute('txt2img', TXT2IMG_FIELDS) },
  '/sdapi/v1/img2img': { POST: generationRoute('img2img', IMG2IMG_FIELDS) },
  '/sdapi/v1/progress': {
    GET: {
      handler(ctx, { url }) {
        const raw = url.searchParams.getAll('skip_current_image').at(-1) ?? null;
        const skipCurrentImage = parseQueryBool(raw, false);
        if (skipCurrentImage === undefined) {
          throw validationError([{ loc: ['query', 'skip_current_image'], ...BOOL_ERROR }]);
        }
        const opts = ctx.options.data;
        // set_current_image() runs on every busy poll, skip_current_image or not: a preview decode on the GPU.
        if (ctx.state.jobCount !== 0) ctx.stats.previewDecoded();
        return json(
          progressResponse(ctx.state, {
            skipCurrentImage,
            livePreviews: opts['live_previews_enable'] === true,
            everyNSteps: Number(opts['show_progress_every_n_steps']),
            previewBase64: () => previewPng().toString('base64'),
          }),
        );
      },
    },
  },
  '/sdapi/v1/interrupt': {
    POST: {
      handler(ctx) {
        ctx.stats.interruptReceived();
        ctx.state.interrupt();
        return json({});
      },
    },
  },
  '/sdapi/v1/skip': {
    POST: {
      handler(ctx) {
        ctx.state.skip();
        return json(null);
      },
    },
  },
  '/sdapi/v1/options': {
    GET: { handler: (ctx) => json({ ...ctx.options.data }) },
    POST: { takesBody: true, handler: (ctx, { body }) => setOptions(ctx, body) },
  },
  '/sdapi/v1/sd-models': { GET: { handler: () => json(CHECKPOINTS) } },
  '/sdapi/v1/samplers': {
    GET: { handler: (ctx) => json(ctx.flavour === 'sdnext' ? SDNEXT_SAMPLERS : SAMPLERS) },
  },
  '/sdapi/v1/schedulers': {
    GET: {
      handler(ctx) {
        if (ctx.flavour === 'sdnext') throw routeError(404);
        return json(SCHEDULERS);
      },
    },
  },
  '/sdapi/v1/version': {
    GET: {
      handler(ctx) {
        // Only SD.Next has this route (modules/api/server.py get_version).
        if (ctx.flavour !== 'sdnext') throw routeError(404);
        return json({
          app: 'sd.next',
          updated: '2025-03-02',
          hash: '431bcc36',
          url: 'https://github.com/vladmandic/sdnext/tree/master',
        });
      },
    },
  },
  '/sdapi/v1/sd-vae': { GET: { handler: () => json([]) } },
};

/** modules/progress.py progressapi: `live_preview: false` skips the preview decode. */
function taskProgress(ctx: ApiContext, body: unknown): RouteResult {
  const request = (body ?? {}) as { id_task?: unknown; live_preview?: unknown };
  const status = ctx.tasks.status(request.id_task);
  if (!status.active) {
    return json({ ...status, progress: null, eta: null, live_preview: null, id_live_preview: -1 });
  }
  const { state } = ctx;
  let progress = 0;
  if (state.jobCount > 0) progress += state.jobNo / state.jobCount;
  if (state.samplingSteps > 0 && state.jobCount > 0) {
    progress += ((1 / state.jobCount) * state.samplingStep) / state.samplingSteps;
  }
  progress = Math.min(progress, 1);
  const elapsed = (Date.now() - (state.timeStart ?? Date.now())) / 1000;
  const eta = progress > 0 ? elapsed / progress - elapsed : null;
  if (request.live_preview !== false && ctx.options.data['live_previews_enable'] === true)
    ctx.stats.previewDecoded();
  return json({ ...status, progress, eta, live_preview: null, id_live_preview: -1, textinfo: null });
}

const UI_ROUTES: typeof ROUTES = {
  '/internal/ping': { GET: { handler: () => json({}) } },
  '/internal/progress': { POST: { takesBody: true, handler: (ctx, { body }) => taskProgress(ctx, body) } },
};

/**
 * Routing in FastAPI's order: route and method, then the JSON body (422 before anything else), then the
 * auth dependency, then the route's own validation and work.
 */
export async function dispatch(
  ctx: ApiContext,
  req: IncomingMessage,
  url: URL,
  parsed: ParsedBody,
): Promise<RouteResult> {
  // SD.Next serves the tracker route in every mode (it never sees API jobs there).
  const ui = ctx.uiMode || (ctx.flavour === 'sdnext' && url.pathname === '/internal/progress');
  const methods = ROUTES[url.pathname] ?? (ui ? UI_ROUTES[url.pathname] : undefined);
  if (!methods) throw routeError(404);
  const route = methods[req.method ?? 'GET'];
  if (!route) throw routeError(405, Object.keys(methods).join(', '));
  const body = route.takesBody ? bodyValue(parsed) : undefined;
  if (ctx.auth && url.pathname.startsWith('/sdapi/')) checkBasicAuth(req.headers.authorization, ctx.auth);
  return route.handler(ctx, { url, body });
}

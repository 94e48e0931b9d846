import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { WorkerStatus } from '#contracts';
import type { Subscription } from 'rxjs';
import { GatewayConfig } from '../config/gateway.config.js';
import { LiveEventsService } from '../live/live-events.service.js';
import { RenderTimes } from '../renderer/render-times.service.js';
import type { LinkState } from '../renderer/renderer-link.service.js';
import {
  parseWorkerKey,
  RendererPool,
  workersOf,
  workerKey,
  type RendererConnection,
} from '../renderer/renderer-pool.service.js';
import { Upcoming } from '../renderer/upcoming.service.js';
import { WaitEstimates } from '../renderer/wait-estimates.service.js';
import { WorkBoard } from '../renderer/work-board.js';
import { RenderOrderRepository } from '../suggestions/render-order.repository.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { RenderReview, SuggestionStatus } from '../suggestions/suggestion.entity.js';

const RECENT = 8;
/** Renders waiting for review listed on the panel (the deck goes through all of them). */
const REVIEW_SHOWN = 12;
/** Prompts listed under "Next up": what the workers hold, then the head of the fair order. */
const NEXT_UP = 12;

/** One worker (SD server) as the panel shows it. */
export interface WorkerPanel {
  /** Its renderer's place in RENDERERS and its own in that renderer's SD_URL, both from 0. */
  renderer: number;
  index: number;
  /** "SD server 2", counted across every renderer from 1. */
  name: string;
  rendererKey: string;
  backend: string;
  description: string;
  state: 'rendering' | 'idle' | 'paused' | 'waiting' | 'unreachable';
  /** The state in words, with the reason when it cannot work. */
  stateText: string;
  paused: boolean;
  current: {
    suggestionId: number;
    prompt: string | null;
    percent: number;
    etaSeconds: number | null;
    waitingOnSd: boolean;
  } | null;
  /** Jobs it holds behind the current one. */
  queued: number;
  /** Measured, at the sizes it drew; null before its first image. */
  imagesPerMinute: number | null;
}
/** A watched panel is recomputed at most this often, however busy the party. */
const MIN_INTERVAL_MS = 500;

export interface RendererPanel {
  link: string;
  /** Why the link is not up, in words. */
  linkProblem: string | null;
  backend: string | null;
  backendDescription: string;
  preview: boolean;
  sdReachable: boolean;
  sdError: string | null;
  paused: boolean;
  waitingForSd: boolean;
  /** A set-up problem holding the queue, in plain words (e.g. "Stable Diffusion refused our credentials…"). */
  pauseReason: string | null;
  queueLength: number;
  current: {
    suggestionId: number;
    prompt: string | null;
    percent: number;
    etaSeconds: number | null;
    attempt: number;
    /** SD is busy with other work before ours (another client's job, or an earlier one of ours). */
    waitingOnSd: boolean;
    /** SD took our job and is loading what it needs (no steps yet). */
    starting: boolean;
  } | null;
  /** Next up: what the workers hold (`where` names the worker), then the fair order (`first` if put first). */
  waiting: { id: number; prompt: string; where: string | null; first: boolean; canRenderNext: boolean }[];
  failed: { id: number; prompt: string; reason: string | null }[];
  recent: { id: number; prompt: string; review: RenderReview | null }[];
  /** Renders waiting for a person's Pass (Review renders), oldest first. */
  reviewWaiting: { id: number; prompt: string }[];
  counts: Record<SuggestionStatus, number>;
  /** Each renderer's link, when there are several. */
  renderers: { key: string; state: LinkState; problem: string | null; heldPrompts: number }[];
  workers: WorkerPanel[];
  /** More than one worker: the panel lists each. */
  severalWorkers: boolean;
  /** Expected time to render everything approved (null: nothing measured yet, or no worker can work). */
  expected: { minutes: number | null; prompts: number };
  graceSeconds: number;
}

/**
 * What the host sees of the renderer, and the controls they have over it. The snapshot is computed once
 * and shared by every open staff page: while pages watch it, it is recomputed (at most every 500 ms) when
 * the link or a suggestion changes, and a `renderer.status` hint goes out only when it really changed;
 * with nobody watching it is computed on demand.
 */
@Injectable()
export class RendererPanelService implements OnApplicationBootstrap, OnApplicationShutdown {
  private snapshot: RendererPanel | null = null;
  private fingerprint = '';
  private computing: Promise<RendererPanel> | null = null;
  private dirty = true;
  private watchers = 0;
  private scheduled: NodeJS.Timeout | null = null;
  private lastComputedAt = 0;
  private subscription?: Subscription;

  constructor(
    private readonly pool: RendererPool,
    private readonly queries: SuggestionQueries,
    private readonly live: LiveEventsService,
    private readonly board: WorkBoard,
    private readonly upcoming: Upcoming,
    private readonly order: RenderOrderRepository,
    private readonly times: RenderTimes,
    private readonly waits: WaitEstimates,
    private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.pool.onChange(() => this.invalidate());
    this.subscription = this.live.suggestions().subscribe(() => this.invalidate());
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    if (this.scheduled) clearTimeout(this.scheduled);
  }

  /** The current snapshot: the shared one when fresh, else computed now (once, for all who ask). */
  current(): Promise<RendererPanel> {
    if (this.snapshot && !this.dirty) return Promise.resolve(this.snapshot);
    return this.compute();
  }

  /** A staff page opened its event stream; the returned function closes it. */
  watch(): () => void {
    this.watchers++;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      this.watchers--;
    };
  }

  /** Something the panel shows changed by a host's action: recompute it now rather than on the next tick. */
  refresh(): void {
    this.invalidate();
  }

  private invalidate(): void {
    this.dirty = true;
    if (this.watchers === 0 || this.scheduled) return;
    const wait = Math.max(0, this.lastComputedAt + MIN_INTERVAL_MS - Date.now());
    this.scheduled = setTimeout(() => {
      this.scheduled = null;
      void this.compute().catch(() => undefined);
    }, wait);
  }

  private compute(): Promise<RendererPanel> {
    if (this.computing) return this.computing;
    this.dirty = false;
    this.lastComputedAt = Date.now();
    this.computing = this.build()
      .then((snapshot) => {
        this.snapshot = snapshot;
        const fingerprint = JSON.stringify(snapshot);
        if (fingerprint !== this.fingerprint) {
          this.fingerprint = fingerprint;
          this.live.emit({ type: 'renderer.status' });
        }
        return snapshot;
      })
      .catch((error: unknown) => {
        this.dirty = true;
        throw error;
      })
      .finally(() => {
        this.computing = null;
      });
    return this.computing;
  }

  private async build(): Promise<RendererPanel> {
    const connections = this.pool.connections;
    const connected = connections.filter((connection) => connection.link.connected);
    const main = connected[0] ?? connections[0];
    const { state, status, problem } = main.link.view;
    const workers = this.workerPanels();
    const currentIds = workers.flatMap((worker) => (worker.current ? [worker.current.suggestionId] : []));
    if (status?.current) currentIds.push(status.current.suggestionId);
    const held = this.heldInOrder();
    const [fair, failed, recent, counts, reviewWaiting] = await Promise.all([
      // The head of the fair order as the dispatcher holds it: no second read of the order per tick.
      this.upcoming.next(NEXT_UP),
      this.queries.listRecentFailed(RECENT),
      this.queries.listRecentRendered(RECENT),
      this.queries.countByStatus(),
      this.queries.listWaitingForReview(0, REVIEW_SHOWN),
    ]);
    const nextUp = [
      ...held
        .filter(({ id }) => !currentIds.includes(id))
        .map(({ id, key }) => ({ id, where: key, first: false })),
      ...fair.map((row) => ({ id: row.id, where: null, first: row.first })),
    ].slice(0, NEXT_UP);
    const rows = await this.order.findForRender([...new Set([...nextUp.map((n) => n.id), ...currentIds])]);
    const prompts = new Map(rows.map((row) => [row.id, row.prompt]));
    for (const worker of workers) {
      if (worker.current) worker.current.prompt = prompts.get(worker.current.suggestionId) ?? null;
    }
    const several = workers.length > 1 || connections.length > 1;
    const currentStatus =
      status?.current ??
      connected.map((connection) => connection.link.view.status?.current).find((current) => current) ??
      null;
    return {
      link: connected.length > 0 ? 'connected' : state,
      linkProblem: connected.length > 0 ? null : problem,
      backend: status?.backend ?? null,
      backendDescription: several
        ? `${workers.length} SD server${workers.length === 1 ? '' : 's'} on ${connected.length} of ${connections.length} renderer${connections.length === 1 ? '' : 's'}`
        : (status?.backendDescription ?? 'Renderer not connected'),
      preview:
        workers.length > 0
          ? workers.every((worker) => worker.backend === 'preview')
          : status?.backend === 'preview',
      sdReachable: status?.sdReachable ?? false,
      sdError: status?.sdError ?? null,
      paused: workers.length > 0 && workers.every((worker) => worker.paused),
      waitingForSd:
        connected.length > 0 && connected.every((connection) => connection.link.view.status?.waitingForSd),
      pauseReason: status?.pauseReason ?? null,
      queueLength: connected.reduce(
        (sum, connection) => sum + (connection.link.view.status?.queueLength ?? 0),
        0,
      ),
      current: currentStatus
        ? {
            suggestionId: currentStatus.suggestionId,
            prompt: prompts.get(currentStatus.suggestionId) ?? null,
            percent: Math.round(currentStatus.percent),
            etaSeconds: currentStatus.etaSeconds === null ? null : Math.round(currentStatus.etaSeconds),
            attempt: currentStatus.attempt,
            waitingOnSd: currentStatus.phase === 'waiting',
            starting: currentStatus.phase === 'starting',
          }
        : null,
      waiting: nextUp.map(({ id, where, first: putFirst }) => ({
        id,
        prompt: prompts.get(id) ?? '',
        where: where === null ? null : this.workerName(where, workers),
        first: putFirst,
        canRenderNext: where === null && !putFirst,
      })),
      failed: failed.map((row) => ({ id: row.id, prompt: row.prompt, reason: row.failureReason })),
      recent: recent.map((row) => ({ id: row.id, prompt: row.prompt, review: row.renderReview })),
      reviewWaiting: reviewWaiting.map((row) => ({ id: row.id, prompt: row.prompt })),
      counts,
      renderers: connections.map((connection) => ({
        key: connection.key,
        state: connection.link.view.state,
        problem: connection.link.view.problem,
        heldPrompts: this.board
          .workers()
          .filter((key) => parseWorkerKey(key).renderer === connection.key)
          .reduce((sum, key) => sum + this.board.count(key), 0),
      })),
      workers,
      severalWorkers: several,
      expected: this.waits.summary(),
      graceSeconds: Math.round(this.config.rendererGraceMs / 1000),
    };
  }

  /** Every worker of every connected renderer, numbered across renderers from 1. */
  private workerPanels(): WorkerPanel[] {
    const panels: WorkerPanel[] = [];
    for (const connection of this.pool.connections) {
      const status = connection.link.connected ? connection.link.view.status : null;
      if (!status) continue;
      for (const worker of workersOf(status))
        panels.push(this.workerPanel(connection, worker, panels.length));
    }
    return panels;
  }

  private workerPanel(connection: RendererConnection, worker: WorkerStatus, position: number): WorkerPanel {
    const key = workerKey(connection.key, worker.index);
    const current = worker.current;
    const held = this.board.count(key);
    const [state, stateText]: [WorkerPanel['state'], string] = worker.waitingForSd
      ? [
          'waiting',
          worker.pauseReason ??
            `Stable Diffusion is not answering${worker.sdError ? ` (${worker.sdError})` : ''}`,
        ]
      : worker.paused
        ? ['paused', current ? 'Paused: finishes the image it has started' : 'Paused']
        : current
          ? ['rendering', 'Rendering']
          : worker.backend !== 'preview' && !worker.sdReachable && worker.sdError
            ? ['unreachable', `Stable Diffusion is not answering (${worker.sdError})`]
            : ['idle', 'Idle'];
    return {
      renderer: connection.index,
      index: worker.index,
      name: `SD server ${position + 1}`,
      rendererKey: connection.key,
      backend: worker.backend,
      description: worker.backendDescription,
      state,
      stateText,
      paused: worker.paused,
      current: current
        ? {
            suggestionId: current.suggestionId,
            prompt: null,
            percent: Math.round(current.percent),
            etaSeconds: current.etaSeconds === null ? null : Math.round(current.etaSeconds),
            waitingOnSd: current.phase === 'waiting',
          }
        : null,
      queued: Math.max(0, held - (current ? 1 : 0)),
      imagesPerMinute: roundRate(this.times.imagesPerMinute(key)),
    };
  }

  /** What the workers hold, in the order they will take it: each worker's jobs, workers side by side. */
  private heldInOrder(): { id: number; key: string }[] {
    const board = this.board;
    const lanes = board.workers().map((key) => board.jobs(key).map((job) => ({ id: job.id, key })));
    const merged: { id: number; key: string }[] = [];
    for (let i = 0; lanes.some((lane) => i < lane.length); i++) {
      for (const lane of lanes) if (i < lane.length) merged.push(lane[i]);
    }
    return merged;
  }

  private workerName(key: string, workers: WorkerPanel[]): string {
    const { renderer, index } = parseWorkerKey(key);
    return (
      workers.find((worker) => worker.rendererKey === renderer && worker.index === index)?.name ?? renderer
    );
  }
}

function roundRate(perMinute: number | null): number | null {
  if (perMinute === null) return null;
  return perMinute >= 10 ? Math.round(perMinute) : Math.round(perMinute * 10) / 10;
}

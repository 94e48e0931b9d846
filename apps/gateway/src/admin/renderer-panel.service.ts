import {
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  ServiceUnavailableException,
} from '@nestjs/common';
import { RendererPattern } from '#contracts';
import type { Subscription } from 'rxjs';
import { LiveEventsService } from '../live/live-events.service.js';
import { RendererClient, RendererError } from '../renderer/renderer.client.js';
import { RendererLink } from '../renderer/renderer-link.service.js';
import { SuggestionLifecycle } from '../suggestions/suggestion-lifecycle.service.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import type { RenderReview, SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { UNFINISHED_STATUSES } from '../suggestions/suggestions.repository.js';
import { refusal } from '../suggestions/transition-refusal.js';

const RECENT = 8;
/** Renders waiting for review listed on the panel (the deck goes through all of them). */
const REVIEW_SHOWN = 12;
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
  waiting: { id: number; prompt: string }[];
  failed: { id: number; prompt: string; reason: string | null }[];
  recent: { id: number; prompt: string; review: RenderReview | null }[];
  /** Renders waiting for a person's Pass (Review renders), oldest first. */
  reviewWaiting: { id: number; prompt: string }[];
  counts: Record<SuggestionStatus, number>;
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
    private readonly link: RendererLink,
    private readonly client: RendererClient,
    private readonly queries: SuggestionQueries,
    private readonly lifecycle: SuggestionLifecycle,
    private readonly live: LiveEventsService,
  ) {}

  onApplicationBootstrap(): void {
    this.link.onChange(() => this.invalidate());
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

  async setPaused(paused: boolean): Promise<{ paused: boolean }> {
    try {
      const reply = await this.client.send(paused ? RendererPattern.Pause : RendererPattern.Resume, {});
      this.invalidate();
      return reply;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** A failed suggestion goes back to approved; the dispatcher sends it again. */
  async retry(id: number): Promise<{ id: number; status: SuggestionStatus }> {
    const result = await this.lifecycle.retry(id);
    if (!result.ok) {
      throw refusal(
        result,
        (status) => `Prompt #${id} has not failed (${status}); only failed prompts can be retried.`,
      );
    }
    return { id, status: 'approved' };
  }

  /** Cancels a suggestion that is approved but not rendered yet; it is recorded as failed, so it can be retried. */
  async cancel(id: number): Promise<{ id: number; status: SuggestionStatus }> {
    const existing = await this.queries.findById(id);
    const notWaiting = (status: SuggestionStatus) =>
      `Prompt #${id} is ${status}; only a prompt waiting to render can be cancelled.`;
    if (!existing) throw refusal({ ok: false, suggestionId: id, reason: 'not-found' }, notWaiting);
    if (!(UNFINISHED_STATUSES as readonly string[]).includes(existing.status)) {
      throw refusal(
        { ok: false, suggestionId: id, reason: 'wrong-status', status: existing.status },
        notWaiting,
      );
    }
    if (existing.status !== 'approved') {
      try {
        await this.client.send(RendererPattern.Cancel, { suggestionId: id });
      } catch (error) {
        throw unavailable(error);
      }
    }
    const result = await this.lifecycle.cancel(id);
    if (!result.ok) {
      throw refusal(result, () => `Prompt #${id} finished before it could be cancelled.`);
    }
    return { id, status: 'failed' };
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
    const { state, status, problem } = this.link.view;
    const [waiting, failed, recent, counts, current, reviewWaiting] = await Promise.all([
      this.queries.listForDispatch(['approved', 'queued'], 0, RECENT),
      this.queries.listRecentFailed(RECENT),
      this.queries.listRecentRendered(RECENT),
      this.queries.countByStatus(),
      status?.current ? this.queries.findById(status.current.suggestionId) : null,
      this.queries.listWaitingForReview(0, REVIEW_SHOWN),
    ]);
    return {
      link: state,
      linkProblem: problem,
      backend: status?.backend ?? null,
      backendDescription: status?.backendDescription ?? 'Renderer not connected',
      preview: status?.backend === 'preview',
      sdReachable: status?.sdReachable ?? false,
      sdError: status?.sdError ?? null,
      paused: status?.paused ?? false,
      waitingForSd: status?.waitingForSd ?? false,
      pauseReason: status?.pauseReason ?? null,
      queueLength: status?.queueLength ?? 0,
      current: status?.current
        ? {
            suggestionId: status.current.suggestionId,
            prompt: current?.prompt ?? null,
            percent: Math.round(status.current.percent),
            etaSeconds: status.current.etaSeconds === null ? null : Math.round(status.current.etaSeconds),
            attempt: status.current.attempt,
            waitingOnSd: status.current.phase === 'waiting',
            starting: status.current.phase === 'starting',
          }
        : null,
      waiting: waiting.map((row) => ({ id: row.id, prompt: row.prompt })),
      failed: failed.map((row) => ({ id: row.id, prompt: row.prompt, reason: row.failureReason })),
      recent: recent.map((row) => ({ id: row.id, prompt: row.prompt, review: row.renderReview })),
      reviewWaiting: reviewWaiting.map((row) => ({ id: row.id, prompt: row.prompt })),
      counts,
    };
  }
}

function unavailable(error: unknown): ServiceUnavailableException {
  const detail = error instanceof RendererError ? error.message : String(error);
  return new ServiceUnavailableException(`${detail} Try again in a moment.`);
}

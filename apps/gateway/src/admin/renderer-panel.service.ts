import {
  ConflictException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { RendererPattern } from '#contracts';
import { LiveEventsService } from '../live/live-events.service.js';
import { RendererClient, RendererUnavailableError } from '../renderer/renderer.client.js';
import { RendererLinkService } from '../renderer/renderer-link.service.js';
import type { SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { SuggestionsRepository, UNFINISHED_STATUSES } from '../suggestions/suggestions.repository.js';

const RECENT = 8;

export interface RendererPanel {
  link: string;
  backend: string | null;
  backendDescription: string;
  preview: boolean;
  sdReachable: boolean;
  sdError: string | null;
  paused: boolean;
  waitingForSd: boolean;
  queueLength: number;
  current: {
    promptId: number;
    prompt: string | null;
    percent: number;
    etaSeconds: number | null;
    attempt: number;
  } | null;
  waiting: { id: number; prompt: string }[];
  failed: { id: number; prompt: string; reason: string | null }[];
  recent: { id: number; prompt: string }[];
  counts: Record<SuggestionStatus, number>;
}

/** What the host sees of the renderer and the controls they have over it. */
@Injectable()
export class RendererPanelService {
  constructor(
    private readonly link: RendererLinkService,
    private readonly client: RendererClient,
    private readonly suggestions: SuggestionsRepository,
    private readonly live: LiveEventsService,
  ) {}

  async snapshot(): Promise<RendererPanel> {
    const { state, status } = this.link.link;
    const [waiting, failed, recent, counts] = await Promise.all([
      this.suggestions.listForDispatch(['approved', 'queued'], 0, RECENT),
      this.suggestions.listRecentFailed(RECENT),
      this.suggestions.listRecentRendered(RECENT),
      this.suggestions.countByStatus(),
    ]);
    const current = status?.current ? await this.suggestions.findById(status.current.promptId) : null;
    return {
      link: state,
      backend: status?.backend ?? null,
      backendDescription: status?.backendDescription ?? 'Renderer not connected',
      preview: status?.backend === 'preview',
      sdReachable: status?.sdReachable ?? false,
      sdError: status?.sdError ?? null,
      paused: status?.paused ?? false,
      waitingForSd: status?.waitingForSd ?? false,
      queueLength: status?.queueLength ?? 0,
      current: status?.current
        ? {
            promptId: status.current.promptId,
            prompt: current?.prompt ?? null,
            percent: Math.round(status.current.percent),
            etaSeconds: status.current.etaSeconds === null ? null : Math.round(status.current.etaSeconds),
            attempt: status.current.attempt,
          }
        : null,
      waiting: waiting.map((row) => ({ id: row.id, prompt: row.prompt })),
      failed: failed.map((row) => ({ id: row.id, prompt: row.prompt, reason: row.failureReason })),
      recent: recent.map((row) => ({ id: row.id, prompt: row.prompt })),
      counts,
    };
  }

  async setPaused(paused: boolean): Promise<{ paused: boolean }> {
    try {
      const reply = await this.client.send(paused ? RendererPattern.Pause : RendererPattern.Resume, {});
      this.live.emit({ type: 'renderer.status', userId: null });
      return reply;
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** A failed prompt goes back into the queue. */
  async retry(id: number): Promise<{ id: number; status: SuggestionStatus }> {
    if (!(await this.suggestions.retryFailed(id))) {
      const existing = await this.suggestions.findById(id);
      if (!existing) throw new NotFoundException(`There is no prompt #${id}.`);
      throw new ConflictException(
        `Prompt #${id} has not failed (${existing.status}); only failed prompts can be retried.`,
      );
    }
    const suggestion = await this.suggestions.findById(id);
    this.live.emit({ type: 'suggestion.status', userId: suggestion?.userId ?? null, id, status: 'approved' });
    this.link.nudge();
    return { id, status: 'approved' };
  }

  /** Cancels a prompt that is approved but not rendered yet; it is recorded as failed, so it can be retried. */
  async cancel(id: number): Promise<{ id: number; status: SuggestionStatus }> {
    const existing = await this.suggestions.findById(id);
    if (!existing) throw new NotFoundException(`There is no prompt #${id}.`);
    if (!UNFINISHED_STATUSES.includes(existing.status)) {
      throw new ConflictException(
        `Prompt #${id} is ${existing.status}; only a prompt waiting to render can be cancelled.`,
      );
    }
    if (existing.status !== 'approved') {
      try {
        await this.client.send(RendererPattern.Cancel, { promptId: id });
      } catch (error) {
        throw unavailable(error);
      }
    }
    if (!(await this.suggestions.markFailed(id, 'Cancelled by the host'))) {
      throw new ConflictException(`Prompt #${id} finished before it could be cancelled.`);
    }
    this.live.emit({
      type: 'suggestion.status',
      userId: existing.userId,
      id,
      status: 'failed',
      reason: 'Cancelled by the host',
    });
    return { id, status: 'failed' };
  }
}

function unavailable(error: unknown): ServiceUnavailableException {
  const detail = error instanceof RendererUnavailableError ? '' : ` (${String(error)})`;
  return new ServiceUnavailableException(
    `The renderer is not reachable right now${detail}. Try again in a moment.`,
  );
}

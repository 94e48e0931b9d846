import { describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/pipeline/processes.js';
import type { LiveEvent } from '../live/live-events.js';
import { LiveEventsService } from '../live/live-events.service.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import type { RenderTimes } from '../renderer/render-times.service.js';
import type { RendererLink } from '../renderer/renderer-link.service.js';
import type { RendererPool } from '../renderer/renderer-pool.service.js';
import type { WaitEstimates } from '../renderer/wait-estimates.service.js';
import { Upcoming } from '../renderer/upcoming.service.js';
import { WorkBoard } from '../renderer/work-board.js';
import type { RenderOrderRepository } from '../suggestions/render-order.repository.js';
import { emptyStatusCounts, type SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { RendererPanelService } from './renderer-panel.service.js';

function setUp() {
  let builds = 0;
  let pending = 0;
  const queries = {
    listRecentFailed: async () => [],
    listRecentRendered: async () => [],
    listWaitingForReview: async () => [],
    findById: async () => null,
    countByStatus: async () => {
      builds++;
      return { ...emptyStatusCounts(), pending };
    },
  } as unknown as SuggestionQueries;
  const link = {
    view: { state: 'connected', status: null, problem: null },
    connected: true,
  } as unknown as RendererLink;
  const pool = {
    connections: [{ index: 0, key: '127.0.0.1:4001', client: {}, link }],
    onChange: () => undefined,
  } as unknown as RendererPool;
  const order = {
    fairOrder: async () => [],
    findForRender: async () => [],
  } as unknown as RenderOrderRepository;
  const live = new LiveEventsService();
  const hints: LiveEvent[] = [];
  live.all().subscribe((event) => event.type === 'renderer.status' && hints.push(event));
  const panel = new RendererPanelService(
    pool,
    queries,
    live,
    new WorkBoard(),
    new Upcoming(order, live),
    order,
    { imagesPerMinute: () => null } as unknown as RenderTimes,
    { summary: () => ({ minutes: null, prompts: 0 }) } as unknown as WaitEstimates,
    { rendererGraceMs: 20_000 } as GatewayConfig,
  );
  panel.onApplicationBootstrap();
  const suggestionCreated = () => {
    pending++;
    live.emit({ type: 'suggestion.created', suggestionId: pending, userId: 1 });
  };
  return { panel, builds: () => builds, hints, suggestionCreated };
}

describe('RendererPanelService: one snapshot shared by every open staff page', () => {
  it('answers every page from one computation until something changes', async () => {
    const { panel, builds } = setUp();
    const pages = await Promise.all(Array.from({ length: 20 }, () => panel.current()));
    expect(builds()).toBe(1);
    expect(new Set(pages).size).toBe(1);
    await panel.current();
    expect(builds()).toBe(1);
    panel.onApplicationShutdown();
  });

  it('while watched, a burst of changes is recomputed at most every 500 ms, with one hint per real change', async () => {
    const { panel, builds, hints, suggestionCreated } = setUp();
    const unwatchA = panel.watch();
    const unwatchB = panel.watch();
    await panel.current();
    const before = builds();
    for (let i = 0; i < 50; i++) suggestionCreated();
    await eventually(
      () => builds(),
      (n) => n > before,
      2000,
      'a recompute',
    );
    await new Promise((resolve) => setTimeout(resolve, 700));
    // 50 changes, two pages watching: a couple of computations, not 50 (or 100).
    expect(builds() - before).toBeLessThanOrEqual(2);
    expect((await panel.current()).counts.pending).toBe(50);
    expect(hints.length).toBeLessThanOrEqual(3);
    expect(hints.length).toBeGreaterThanOrEqual(1);
    unwatchA();
    unwatchB();
    // Nobody watching: changes only mark it stale, computed again when asked.
    const idle = builds();
    suggestionCreated();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(builds()).toBe(idle);
    expect((await panel.current()).counts.pending).toBe(51);
    panel.onApplicationShutdown();
  });
});

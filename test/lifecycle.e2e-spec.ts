import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { becomeAdmin, browser, csrfFrom, HTML, makeTempDir, openHome } from './gateway/harness.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { eventually } from './pipeline/processes.js';
import { openStream } from './support/event-stream.js';
import { startRenderStack, type RenderStack } from './support/render-stack.js';

/**
 * A suggestion's whole life as a listening page sees it, through the real gateway, the real renderer over
 * TCP and the fake AUTOMATIC1111 answering at once: every status arrives, in order, `rendering` included.
 */
describe("a suggestion's life on a listening page", () => {
  const temp = makeTempDir('vernissage-life-');
  let stack: RenderStack;

  beforeAll(async () => {
    stack = await startRenderStack(temp.dir, { sd: { fixedDelayMs: 0 } });
  });
  afterAll(async () => {
    await stack?.close();
    temp.cleanup();
  });

  it('a fast job still shows rendering before rendered, and every step once, in order', async () => {
    const { gateway, sd } = stack;
    const GUEST_UA = 'Phone/life-guest';
    const guest = browser(gateway.url, GUEST_UA);
    const { csrf } = await openHome(guest);
    const stream = openStream(`${gateway.url}/events`, guest, GUEST_UA);
    expect(await stream.ready).toBe(200);

    const admin = browser(gateway.url, 'Laptop/life-host');
    await openHome(admin);
    await becomeAdmin(gateway, admin);
    const adminCsrf = csrfFrom((await admin.get('/admin').set('Accept', HTML)).text);

    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = await guest
        .post('/prompts')
        .set('x-csrf-token', csrf)
        .send({ prompt: `a quick sketch ${i}`, width: 512, height: 512 });
      expect(sent.status).toBe(201);
      ids.push(sent.body.id);
    }
    for (const id of ids) {
      const approved = await admin
        .post(`/admin/prompts/${id}/approve`)
        .set('Accept', 'application/json')
        .set('x-csrf-token', adminCsrf);
      expect(approved.status).toBe(200);
    }
    const statusesOf = (id: number) =>
      stream.events
        .filter((e) => e.type === 'suggestion.status' && e.data.suggestionId === id)
        .map((e) => e.data.status);
    await eventually(
      () => ids.map(statusesOf),
      (all) => all.every((statuses) => statuses.includes('rendered')),
      20_000,
      'every suggestion rendered',
    );
    for (const id of ids) {
      // `queued` is announced unless the renderer's start signal overtook it (a job that starts at once).
      expect(statusesOf(id).filter((status) => status !== 'queued')).toEqual([
        'approved',
        'rendering',
        'rendered',
      ]);
      expect(statusesOf(id).filter((status) => status === 'queued').length).toBeLessThanOrEqual(1);
      const stored = await gateway.app.get(SuggestionQueries).findById(id);
      expect(stored!.queuedAt!.getTime()).toBeLessThanOrEqual(stored!.renderingAt!.getTime());
      expect(stored!.renderingAt!.getTime()).toBeLessThanOrEqual(stored!.renderedAt!.getTime());
    }
    // SD really was that fast: the fake answered each generation without delay.
    expect(sd.stats().generations).toBeGreaterThanOrEqual(ids.length);
    stream.close();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionLifecycle } from '../apps/gateway/src/suggestions/suggestion-lifecycle.service.js';
import { HTML, makeTempDir, startGateway, type TestGateway } from './gateway/harness.js';
import { Party, solidPng, type Guest } from './support/gallery-fixtures.js';

/** The tab counts as the page shows them, keyed by tab id. */
function countsOf(html: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of html.matchAll(/data-count-for="(\w+)">(\d+)</g)) counts[match[1]] = Number(match[2]);
  return counts;
}

function promptIdsOf(html: string): number[] {
  return [...html.matchAll(/data-prompt-id="(\d+)"/g)].map((match) => Number(match[1]));
}

describe('history tabs (HTTP, real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let party: Party;
  let alice: Guest;
  let bob: Guest;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    gateway = await startGateway(temp.dir, { MAX_PENDING_PER_GUEST: '50', SUBMISSIONS_PER_MINUTE: '100' });
    party = new Party(gateway);
    alice = await party.guest('Phone/history-alice');
    bob = await party.guest('Phone/history-bob');
    ids.pending = await party.submit(alice, 'Alice <script>alert(1)</script> waits');
    ids.denied = await party.submit(alice, 'Alice was refused');
    ids.approved = await party.submit(alice, 'Alice approved, not rendered yet');
    ids.failed = await party.submit(alice, 'Alice approved, then failed');
    ids.rendered = await party.submit(alice, 'Alice rendered');
    ids.bob = await party.submit(bob, 'Bob pending');
    await party.decide(ids.denied, 'deny');
    await party.decide(ids.approved, 'approve');
    await party.decide(ids.failed, 'approve');
    await gateway.app.get(SuggestionLifecycle).fail(ids.failed, 'CUDA out of memory');
    await party.approveAndRender(ids.rendered, solidPng(8, 8, [10, 200, 10]));
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  const open = (guest: Guest, query = '') => guest.agent.get(`/history${query}`).set('Accept', HTML);

  it('shows counts on every tab and only the tab’s own prompts, the Pending tab first', async () => {
    const res = await open(alice);
    expect(res.status).toBe(200);
    expect(countsOf(res.text)).toEqual({ pending: 1, approved: 2, denied: 1, rendered: 1 });
    expect(promptIdsOf(res.text)).toEqual([ids.pending]);
    // Escaped, never executed.
    expect(res.text).toContain('Alice &lt;script&gt;alert(1)&lt;/script&gt; waits');
    expect(res.text).not.toContain('<script>alert(1)');

    const approved = await open(alice, '?tab=approved');
    expect(promptIdsOf(approved.text)).toEqual([ids.failed, ids.approved]);
    expect(approved.text).toMatch(/status-failed">failed</);
    expect(promptIdsOf((await open(alice, '?tab=denied')).text)).toEqual([ids.denied]);
    expect(promptIdsOf((await open(alice, '?tab=rendered')).text)).toEqual([ids.rendered]);
    // Bob sees his own only.
    const bobs = await open(bob);
    expect(countsOf(bobs.text)).toEqual({ pending: 1, approved: 0, denied: 0, rendered: 0 });
    expect(promptIdsOf(bobs.text)).toEqual([ids.bob]);
  });

  it('uses tab semantics with plain links (no JavaScript needed)', async () => {
    const res = await open(alice, '?tab=denied');
    expect(res.text).toContain('role="tablist"');
    expect(res.text).toMatch(
      /<a role="tab" id="tab-denied" href="\/history\?tab=denied" aria-selected="true"[^>]*>Denied </,
    );
    for (const tab of ['pending', 'approved', 'rendered']) {
      expect(res.text).toMatch(
        new RegExp(`role="tab" id="tab-${tab}" href="/history\\?tab=${tab}" aria-selected="false"`),
      );
    }
    expect(res.text).toContain('role="tabpanel" aria-labelledby="tab-denied"');
  });

  it('400 for an unknown tab or a page that is not one; a visitor without a session gets 401', async () => {
    expect((await open(alice, '?tab=secret')).status).toBe(400);
    // A page that is not a whole number in range is bad input, as on /admin and in the API.
    for (const page of ['x', '1e20', '0', '100001'])
      expect((await open(alice, `?page=${page}`)).status).toBe(400);
    expect(promptIdsOf((await open(alice, '?page=1')).text)).toEqual([ids.pending]);
    const { default: request } = await import('supertest');
    expect((await request(gateway.url).get('/history').set('Accept', HTML)).status).toBe(401);
  });

  it('shows rendered images only after the reveal, through /images/:id', async () => {
    const before = await open(alice, '?tab=rendered');
    expect(before.text).not.toContain(`src="/images/${ids.rendered}"`);
    expect(before.text).toContain('Your images stay secret');
    expect((await alice.agent.get(`/images/${ids.rendered}`)).status).toBe(404);

    const host = await party.host();
    const reveal = await host.agent
      .post('/admin/reveal')
      .set('Accept', 'application/json')
      .set('x-csrf-token', host.csrf)
      .send({ revealed: true });
    expect(reveal.status).toBe(200);
    const after = await open(alice, '?tab=rendered');
    expect(after.text).toContain(`<img src="/images/${ids.rendered}"`);
    expect(after.text).toContain(`href="/images/${ids.rendered}?download=1"`);
    expect((await alice.agent.get(`/images/${ids.rendered}`)).status).toBe(200);
    // Never for anything but a rendered prompt, even revealed.
    expect((await open(alice, '?tab=approved')).text).not.toContain('<img src="/images/');
  });

  it('pages a long tab, newest first', async () => {
    const carol = await party.guest('Phone/history-carol');
    const mine: number[] = [];
    for (let i = 0; i < 23; i++) mine.push(await party.submit(carol, `Carol ${i}`));
    const first = await open(carol);
    expect(countsOf(first.text).pending).toBe(23);
    expect(promptIdsOf(first.text)).toEqual(mine.slice(3).reverse());
    expect(first.text).toContain('href="/history?tab=pending&amp;page=2"');
    const second = await open(carol, '?tab=pending&page=2');
    expect(promptIdsOf(second.text)).toEqual(mine.slice(0, 3).reverse());
    expect(second.text).toContain('Page 2 of 2');
    // Past the end: the last page.
    expect(promptIdsOf((await open(carol, '?page=9')).text)).toEqual(mine.slice(0, 3).reverse());
  });

  it('is linked from the guest page', async () => {
    const home = await alice.agent.get('/').set('Accept', HTML);
    expect(home.text).toContain('href="/history"');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import {
  becomeAdmin,
  browser,
  csrfFrom,
  HTML,
  makeTempDir,
  openHome,
  startGateway,
  type Browser,
  type TestGateway,
} from './gateway/harness.js';
import { eventually } from './pipeline/processes.js';
import { openStream } from './support/event-stream.js';

describe('live updates over server-sent events', () => {
  const temp = makeTempDir('vernissage-live-');
  let gateway: TestGateway;
  let admin: Browser;
  const ADMIN_UA = 'Laptop/live-host';

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    admin = browser(gateway.url, ADMIN_UA);
    await openHome(admin);
    await becomeAdmin(gateway, admin);
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  async function guest(name: string) {
    const agent = browser(gateway.url, `Phone/live-${name}`);
    const { csrf } = await openHome(agent);
    return { agent, csrf, ua: `Phone/live-${name}` };
  }

  it('tells the host at once about a new prompt and a decision, as hints, and when the panel changed', async () => {
    const stream = openStream(`${gateway.url}/admin/events`, admin, ADMIN_UA);
    expect(await stream.ready).toBe(200);
    const g = await guest('new-prompt');
    const sent = await g.agent
      .post('/prompts')
      .set('x-csrf-token', g.csrf)
      .send({ prompt: 'live <b>owl</b>', width: 512, height: 512 });
    const created = await eventually(
      () => stream.events.find((e) => e.type === 'suggestion.created'),
      (e) => e !== undefined,
      2000,
      'the new prompt event',
    );
    // A hint: the id, nothing the page would ignore (it fetches the queue through its partial), and
    // never who sent it.
    expect(created!.data).toEqual({ suggestionId: sent.body.id });
    const queue = await admin.get('/admin/fragments/queue').set('Accept', HTML);
    expect(queue.text).toContain('live &lt;b&gt;owl&lt;/b&gt;');
    const csrf = csrfFrom((await admin.get('/admin').set('Accept', HTML)).text);
    const hintsBefore = stream.events.filter((e) => e.type === 'renderer').length;
    await admin
      .post(`/admin/prompts/${sent.body.id}/deny`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    await eventually(
      () => stream.events.find((e) => e.type === 'suggestion.status' && e.data.suggestionId === sent.body.id),
      (e) => e?.data.status === 'denied',
      2000,
      'the decision event',
    );
    // The panel's shared snapshot changed (one more denial): a hint says so, and the snapshot shows it.
    await eventually(
      () => stream.events.filter((e) => e.type === 'renderer').length,
      (n) => n > hintsBefore,
      5000,
      'a renderer panel hint after the denial',
    );
    const panel = await admin.get('/admin/renderer').set('Accept', 'application/json');
    expect(panel.body).toMatchObject({ link: expect.any(String), queueLength: 0, counts: { denied: 1 } });
    stream.close();
  });

  it("gives a guest only their own prompts' changes", async () => {
    const alice = await guest('alice');
    const bob = await guest('bob');
    const aliceStream = openStream(`${gateway.url}/events`, alice.agent, alice.ua);
    expect(await aliceStream.ready).toBe(200);
    const mine = await alice.agent
      .post('/prompts')
      .set('x-csrf-token', alice.csrf)
      .send({ prompt: 'alice', width: 512, height: 512 });
    const theirs = await bob.agent
      .post('/prompts')
      .set('x-csrf-token', bob.csrf)
      .send({ prompt: 'bob', width: 512, height: 512 });
    const csrf = csrfFrom((await admin.get('/admin').set('Accept', HTML)).text);
    for (const id of [theirs.body.id, mine.body.id]) {
      await admin
        .post(`/admin/prompts/${id}/approve`)
        .set('Accept', 'application/json')
        .set('x-csrf-token', csrf);
    }
    await eventually(
      () =>
        aliceStream.events.find(
          (e) => e.type === 'suggestion.status' && e.data.suggestionId === mine.body.id,
        ),
      (e) => e?.data.status === 'approved',
      2000,
      "alice's approval",
    );
    expect(aliceStream.events.some((e) => e.data.suggestionId === theirs.body.id)).toBe(false);
    aliceStream.close();
  });

  it('refuses the host stream to guests and anonymous visitors', async () => {
    const g = await guest('snoop');
    const stream = openStream(`${gateway.url}/admin/events`, g.agent, g.ua);
    expect(await stream.ready).toBe(403);
    stream.close();
  });

  it('ends open streams cleanly when the gateway stops, and serves them again after a restart', async () => {
    const stream = openStream(`${gateway.url}/admin/events`, admin, ADMIN_UA);
    expect(await stream.ready).toBe(200);
    const started = Date.now();
    await gateway.close();
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(
      () => stream.isEnded(),
      (ended) => ended,
      2000,
      'the stream to end',
    );

    gateway = await startGateway(temp.dir);
    const cookie = admin.jar.getCookie('vernissage.sid', {
      domain: '127.0.0.1',
      path: '/',
      secure: false,
      script: false,
    });
    const restarted = browser(gateway.url, ADMIN_UA);
    restarted.jar.setCookie(`vernissage.sid=${cookie!.value}`, '127.0.0.1', '/');
    const again = openStream(`${gateway.url}/admin/events`, restarted, ADMIN_UA);
    expect(await again.ready).toBe(200);
    const g = await guest('after-restart');
    const sent = await g.agent
      .post('/prompts')
      .set('x-csrf-token', g.csrf)
      .send({ prompt: 'after restart', width: 512, height: 512 });
    await eventually(
      () => again.events.find((e) => e.type === 'suggestion.created'),
      (e) => e?.data.suggestionId === sent.body.id,
      2000,
      'an event after the restart',
    );
    again.close();
  });
});

describe('renderer panel controls (HTTP)', () => {
  const temp = makeTempDir('vernissage-panel-');
  let gateway: TestGateway;
  let admin: Browser;
  let csrf: string;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    admin = browser(gateway.url, 'Laptop/panel-host');
    await openHome(admin);
    await becomeAdmin(gateway, admin);
    csrf = csrfFrom((await admin.get('/admin').set('Accept', HTML)).text);
  });
  afterAll(async () => {
    await gateway?.close();
    temp.cleanup();
  });

  async function approvedPrompt(text: string): Promise<number> {
    const g = browser(gateway.url, `Phone/panel-${text}`);
    const { csrf: guestCsrf } = await openHome(g);
    const sent = await g
      .post('/prompts')
      .set('x-csrf-token', guestCsrf)
      .send({ prompt: text, width: 512, height: 512 });
    await admin
      .post(`/admin/prompts/${sent.body.id}/approve`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    return sent.body.id as number;
  }

  it('shows the renderer as not connected and the waiting prompts', async () => {
    const id = await approvedPrompt('waiting for a renderer');
    const res = await admin.get('/admin/renderer').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.link).not.toBe('connected');
    expect(res.body.waiting.map((w: { id: number }) => w.id)).toContain(id);
    const page = await admin.get('/admin').set('Accept', HTML);
    expect(page.text).toContain('Approved prompts wait and are sent when it is back.');
    expect(page.text).toContain('Cancel');
  });

  it('cancels a waiting prompt (recorded as failed) and retries it', async () => {
    const id = await approvedPrompt('cancel then retry');
    const cancelled = await admin
      .post(`/admin/renderer/cancel/${id}`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(cancelled.status).toBe(200);
    const repo = gateway.app.get(SuggestionQueries);
    expect(await repo.findById(id)).toMatchObject({
      status: 'failed',
      failureReason: 'Cancelled by the host',
    });
    const page = await admin.get('/admin').set('Accept', HTML);
    expect(page.text).toMatch(/data-failed-id="\d+"/);
    expect(page.text).toContain('Retry');
    const retried = await admin
      .post(`/admin/renderer/retry/${id}`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(retried.body).toEqual({ id, status: 'approved' });
    expect(await repo.findById(id)).toMatchObject({ status: 'approved', failureReason: null });
    const again = await admin
      .post(`/admin/renderer/retry/${id}`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(again.status).toBe(409);
    expect(
      (
        await admin
          .post('/admin/renderer/retry/999999')
          .set('Accept', 'application/json')
          .set('x-csrf-token', csrf)
      ).status,
    ).toBe(404);
  });

  it("shows a QR code of the guest link: with no PUBLIC_URL, this machine's network address, not localhost", async () => {
    const page = await admin.get('/admin').set('Accept', HTML);
    expect(page.text).toContain('src="/admin/qr.svg"');
    const port = new URL(gateway.url).port;
    const shown = /Scan to join, or open <a href="(http:\/\/[\d.]+:(\d+)\/)">/.exec(page.text);
    expect(shown?.[2]).toBe(port);
    const qr = await admin.get('/admin/qr.svg');
    expect(qr.status).toBe(200);
    expect(qr.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(String(qr.body ?? qr.text)).toMatch(/<svg[\s\S]*<path/);
    const g = browser(gateway.url, 'Phone/qr-snoop');
    await openHome(g);
    expect((await g.get('/admin/qr.svg')).status).toBe(403);
  });

  it('answers 503 to pause while the renderer is unreachable', async () => {
    const res = await admin
      .post('/admin/renderer/pause')
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(res.status).toBe(503);
    expect(res.body.message).toMatch(/renderer is not reachable/);
  });

  it.each(['pause', 'resume', 'retry/1', 'cancel/1'])(
    'refuses %s to a guest (403) and without a CSRF token (403)',
    async (action) => {
      const g = browser(gateway.url, `Phone/panel-guest-${action}`);
      const { csrf: guestCsrf } = await openHome(g);
      expect(
        (
          await g
            .post(`/admin/renderer/${action}`)
            .set('Accept', 'application/json')
            .set('x-csrf-token', guestCsrf)
        ).status,
      ).toBe(403);
      expect((await admin.post(`/admin/renderer/${action}`).set('Accept', 'application/json')).status).toBe(
        403,
      );
    },
  );
});

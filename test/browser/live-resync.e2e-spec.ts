import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStreams, STREAMS_PER_SESSION } from '../../apps/gateway/src/live/live-streams.service.js';
import {
  becomeAdmin,
  browser,
  csrfFrom,
  HTML,
  makeTempDir,
  openHome,
  startGateway,
  type TestGateway,
} from '../gateway/harness.js';
import { eventually } from '../pipeline/processes.js';
import { startCuttableProxy, type CuttableProxy } from '../support/cuttable-proxy.js';

/**
 * What a page shows after its event stream dropped (a proxy's idle timeout, a phone waking up): events
 * sent meanwhile are lost, so the page must read its state again once the stream is back.
 */
describe('live pages after a dropped event stream, in real Chromium', () => {
  const temp = makeTempDir('vernissage-resync-');
  let gateway: TestGateway;
  let proxy: CuttableProxy;
  let chromium: Browser;
  const openStreams = () => gateway.app.get(LiveStreams).count;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    proxy = await startCuttableProxy(Number(new URL(gateway.url).port));
    const { launchChromium } = await import('./chromium.js');
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await proxy?.close();
    await gateway?.close();
    temp.cleanup();
  });

  it('a status change made while the guest’s stream was down is on the guest page after the reconnect', async () => {
    const context = await chromium.newContext({ viewport: { width: 390, height: 844 } });
    const guest = await context.newPage();
    await guest.goto(`${proxy.url}/`);
    await guest.getByRole('button', { name: "Let's go" }).click();
    await guest.getByLabel('Prompt', { exact: true }).fill('a fox in the snow, seen after a hiccup');
    await guest.getByRole('button', { name: 'Send' }).click();
    await guest.waitForURL(/\/#your-prompts$/);
    const status = guest.locator('.prompt-item .status').first();
    expect(await status.textContent()).toBe('pending');
    const id = Number(await guest.locator('.prompt-item').first().getAttribute('data-prompt-id'));
    await eventually(openStreams, (count) => count === 1, 5000, 'the guest page’s stream');

    // The Wi-Fi hiccups: the stream is gone, and the approval happens before it is back.
    await proxy.cut();
    await eventually(openStreams, (count) => count === 0, 5000, 'the gateway to notice the drop');
    const host = browser(gateway.url, 'Laptop/resync-host');
    await openHome(host);
    await becomeAdmin(gateway, host);
    const csrf = csrfFrom((await host.get('/admin').set('Accept', HTML)).text);
    const approved = await host
      .post(`/admin/prompts/${id}/approve`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf);
    expect(approved.status).toBe(200);
    expect(await status.textContent()).toBe('pending');

    proxy.restore();
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toBe('approved');
    await context.close();
  });

  it('a prompt sent while the host’s stream was down is in the host’s queue after the reconnect', async () => {
    const context = await chromium.newContext({ viewport: { width: 1280, height: 800 } });
    const admin = await context.newPage();
    const link = new URL(await gateway.claimLink());
    await admin.goto(`${proxy.url}${link.pathname}`);
    await admin.waitForURL(/\/admin$/);
    await eventually(openStreams, (count) => count === 1, 5000, 'the host page’s stream');

    await proxy.cut();
    await eventually(openStreams, (count) => count === 0, 5000, 'the gateway to notice the drop');
    const guest = browser(gateway.url, 'Phone/resync-guest');
    const { csrf } = await openHome(guest);
    const sent = await guest
      .post('/prompts')
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf)
      .send({ prompt: 'sent while the host was cut off', width: 512, height: 512 });
    expect(sent.status).toBe(201);
    const row = admin.locator('[data-live-queue] .queue-item', {
      hasText: 'sent while the host was cut off',
    });
    expect(await row.count()).toBe(0);

    proxy.restore();
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await context.close();
  });

  it('a host page refused a stream (too many open for the session) keeps its queue fresh by polling', async () => {
    const context = await chromium.newContext({ viewport: { width: 1280, height: 800 } });
    const first = await context.newPage();
    const link = new URL(await gateway.claimLink());
    await first.goto(`${gateway.url}${link.pathname}`);
    await first.waitForURL(/\/admin$/);
    const pages = [first];
    for (let i = 1; i < STREAMS_PER_SESSION; i++) {
      const page = await context.newPage();
      await page.goto(`${gateway.url}/admin`);
      pages.push(page);
    }
    await eventually(openStreams, (count) => count === STREAMS_PER_SESSION, 5000, 'a handful of streams');
    const refused = await context.newPage();
    const answers: number[] = [];
    refused.on('response', (res) => {
      if (res.url().endsWith('/admin/events')) answers.push(res.status());
    });
    await refused.goto(`${gateway.url}/admin`);
    await expect.poll(() => answers, { timeout: 5000 }).toContain(429);
    expect(openStreams()).toBe(STREAMS_PER_SESSION);

    const guest = browser(gateway.url, 'Phone/polled-guest');
    const { csrf } = await openHome(guest);
    const sent = await guest
      .post('/prompts')
      .set('Accept', 'application/json')
      .set('x-csrf-token', csrf)
      .send({ prompt: 'seen by a polling page', width: 512, height: 512 });
    expect(sent.status).toBe(201);
    const row = refused.locator('[data-live-queue] .queue-item', { hasText: 'seen by a polling page' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await context.close();
  });
});

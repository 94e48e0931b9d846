import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionQueries } from '../../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { browser, makeTempDir, openHome, startGateway, type TestGateway } from '../gateway/harness.js';
import { expectAccessible } from './axe.js';
import { launchChromium } from './chromium.js';

describe('live admin page in real Chromium', () => {
  const temp = makeTempDir('vernissage-live-browser-');
  let gateway: TestGateway;
  let chromium: Browser;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await gateway?.close();
    temp.cleanup();
  });

  async function send(prompt: string): Promise<number> {
    const guest = browser(gateway.url, `Phone/live-browser-${prompt}`);
    const { csrf } = await openHome(guest);
    const res = await guest
      .post('/prompts')
      .set('x-csrf-token', csrf)
      .send({ prompt, width: 512, height: 512 });
    return res.body.id as number;
  }

  it('shows a new prompt within 2 s without a reload, and A approves the oldest', async () => {
    const context = await chromium.newContext({ viewport: { width: 1280, height: 800 } });
    const admin = await context.newPage();
    await admin.goto(await gateway.claimLink());
    await admin.waitForURL(/\/admin$/);
    let navigations = 0;
    admin.on('framenavigated', () => navigations++);
    // Let the event stream connect before the guest sends.
    await admin.waitForTimeout(300);

    const first = await send('first live prompt');
    const sentAt = Date.now();
    const row = admin.locator('[data-live-queue] .queue-item', { hasText: 'first live prompt' });
    await expect.poll(() => row.count(), { timeout: 2000, interval: 50 }).toBe(1);
    expect(Date.now() - sentAt).toBeLessThan(2000);
    // Said to a screen reader, and its time drawn like every other time on the page (not the server's UTC).
    const announcer = admin.locator('[data-queue-announcer]');
    await expect.poll(() => announcer.textContent(), { timeout: 2000 }).toBe('1 prompt waiting.');
    expect(await announcer.getAttribute('role')).toBe('status');
    const time = row.locator('time');
    await expect.poll(() => time.textContent(), { timeout: 2000 }).not.toContain('UTC');
    expect(await time.textContent()).toBe(
      await time.evaluate((el) =>
        new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }).format(
          new Date(el.getAttribute('datetime')!),
        ),
      ),
    );
    await expectAccessible(admin, 'the moderation page with a live row');
    await send('second live prompt');
    await expect
      .poll(() => admin.locator('[data-live-queue] .queue-item').count(), { timeout: 2000 })
      .toBe(2);
    await expect.poll(() => announcer.textContent(), { timeout: 2000 }).toBe('2 prompts waiting.');

    await admin.keyboard.press('a');
    await expect.poll(() => row.count(), { timeout: 2000 }).toBe(0);
    expect((await gateway.app.get(SuggestionQueries).findById(first))!.status).not.toBe('pending');
    expect(
      await admin.locator('[data-live-queue] .queue-item', { hasText: 'second live prompt' }).count(),
    ).toBe(1);
    expect(navigations).toBe(0);
    await context.close();
  });
});

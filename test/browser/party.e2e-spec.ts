import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, type TestGateway } from '../gateway/harness.js';
import { startRenderStack, type RenderStack } from '../support/render-stack.js';
import { expectAccessible } from './axe.js';
import { launchChromium } from './chromium.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

/**
 * A whole party in real Chromium: two guests and the host in separate browser contexts, the real gateway,
 * the real renderer over TCP and the fake AUTOMATIC1111 drawing the images.
 */
describe('a party end to end in Chromium (gateway + renderer + fake SD)', () => {
  const temp = makeTempDir('vernissage-party-');
  let stack: RenderStack;
  let gateway: TestGateway;
  let chromium: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    // As behind a reverse proxy: the QR code shows the public address (so no loopback-only warning).
    stack = await startRenderStack(temp.dir, {
      sd: { stepDelayMs: 5 },
      gatewayEnv: { PUBLIC_URL: 'https://party.example.org' },
    });
    gateway = stack.gateway;
    chromium = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
    temp.cleanup();
  });

  async function openGuest(userAgent: string): Promise<Page> {
    const context = await chromium.newContext({ viewport: { width: 390, height: 844 }, userAgent });
    const page = await context.newPage();
    await page.goto(`${gateway.url}/`);
    await page.getByRole('button', { name: "Let's go" }).click();
    return page;
  }

  async function send(page: Page, prompt: string): Promise<void> {
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/#your-prompts$/);
  }

  const statusOf = (page: Page, prompt: string) =>
    page.locator('.prompt-item', { hasText: prompt }).locator('.status').textContent();

  it('approve → rendered → in the show → after the reveal on its author’s page only; denied never shown', async () => {
    const ada = await openGuest('Mozilla/5.0 (Linux; Android 14) Ada');
    const bo = await openGuest('Mozilla/5.0 (iPhone) Bo');
    const hostContext = await chromium.newContext({ viewport: { width: 1280, height: 900 } });
    const host = await hostContext.newPage();
    await host.goto(await gateway.claimLink());
    await host.waitForURL(/\/admin$/);

    await send(ada, 'Ada: a glass whale over the city');
    await send(bo, 'Bo: DENY ME please');
    await send(bo, 'Bo: a violin made of leaves');
    // They arrive on the open host page without a reload.
    const queue = host.locator('[data-live-queue] .queue-item');
    await expect.poll(() => queue.count(), { timeout: 4000 }).toBe(3);

    const row = (text: string) => host.locator('[data-live-queue] .queue-item', { hasText: text });
    await row('Ada: a glass whale').getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => row('Ada: a glass whale').count(), { timeout: 4000 }).toBe(0);
    await row('Bo: DENY ME').getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => row('Bo: DENY ME').count(), { timeout: 4000 }).toBe(0);
    await row('Bo: a violin').getByRole('button', { name: 'Approve' }).click();

    // The guests' pages follow live, down to "rendered", and show no image before the reveal.
    await expect.poll(() => statusOf(ada, 'Ada: a glass whale'), { timeout: 15_000 }).toBe('rendered');
    await expect.poll(() => statusOf(bo, 'Bo: a violin'), { timeout: 15_000 }).toBe('rendered');
    expect(await statusOf(bo, 'Bo: DENY ME')).toBe('denied');
    // Each change was said to a screen reader as well.
    expect(await ada.locator('[data-status-announcer]').textContent()).toBe(
      'Your prompt “Ada: a glass whale over the city” is rendered.',
    );
    await expectAccessible(bo, 'a guest page after live updates');
    await ada.reload();
    expect(await ada.locator('#your-prompts img').count()).toBe(0);
    await host.screenshot({ path: join(SCREENSHOTS, 'party-admin.png'), fullPage: true });
    await expectAccessible(host, 'the moderation page with the renderer panel');

    // The show has exactly the two rendered images, in submission order; the denied prompt never appears.
    const show = await hostContext.newPage();
    await show.goto(`${gateway.url}/admin/show`);
    const prompt = () => show.locator('.show-slide.is-current figcaption .show-prompt').textContent();
    await expect.poll(prompt, { timeout: 5000 }).toBe('Ada: a glass whale over the city');
    await show.getByRole('button', { name: 'Next' }).click();
    await expect.poll(prompt).toBe('Bo: a violin made of leaves');
    // The end of the show: nothing more, and never the denied prompt.
    expect(await show.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    expect(await show.content()).not.toContain('DENY ME');
    const shown = await show
      .locator('.show-slide.is-current img')
      .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
    expect(shown).toBe(512);
    await show.screenshot({ path: join(SCREENSHOTS, 'party-show.png') });

    // Reveal: each guest sees their own image (with Download), never the other's.
    await host.getByRole('switch', { name: 'Reveal' }).click();
    await expect.poll(() => ada.locator('#your-prompts img').count(), { timeout: 5000 }).toBe(1);
    await expect.poll(() => bo.locator('#your-prompts img').count(), { timeout: 5000 }).toBe(1);
    expect(await ada.locator('#your-prompts img').getAttribute('alt')).toContain('Ada: a glass whale');
    expect(await bo.locator('#your-prompts img').getAttribute('alt')).toContain('Bo: a violin');
    expect(await ada.getByRole('link', { name: 'Download' }).count()).toBe(1);
    const adaImage = await ada.locator('#your-prompts img').getAttribute('src');
    const boImage = await bo.locator('#your-prompts img').getAttribute('src');
    const boTriesAda = await bo.request.get(`${gateway.url}${adaImage}`);
    expect(boTriesAda.status()).toBe(404);
    expect((await bo.request.get(`${gateway.url}${boImage}`)).status()).toBe(200);
    await ada.screenshot({ path: join(SCREENSHOTS, 'party-guest-revealed.png'), fullPage: true });
    await expectAccessible(ada, 'a guest page with a revealed image');
    expect(await ada.getByRole('link', { name: 'Download' }).getAttribute('aria-label')).toBe(
      'Download the image for: Ada: a glass whale over the city',
    );
    await hostContext.close();
  }, 90_000);
});

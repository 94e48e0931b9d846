import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsService } from '../../apps/gateway/src/settings/settings.service.js';
import { makeTempDir, startGateway, type TestGateway } from '../gateway/harness.js';
import { Party, solidPng, type Guest } from '../support/gallery-fixtures.js';
import { expectAccessible } from './axe.js';
import { launchChromium } from './chromium.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

const PROMPTS = {
  first: 'A lighthouse made of <glass> at dusk, oil painting',
  second: 'Two foxes reading a newspaper in a snowy café',
  denied: 'DENIED: something the host refused',
  pending: 'PENDING: still waiting for the host',
  third: 'A cathedral of coral under a violet sea, wide angle',
  live: 'Arrived during the show: a paper moon over Lisbon',
};

const caption = (page: Page) => page.locator('.show-slide.is-current figcaption');
const promptShown = (page: Page) => caption(page).locator('.show-prompt').textContent();

/** The caption sits below the picture: the image's box ends where the caption begins, or above. */
async function expectCaptionBelowImage(page: Page): Promise<void> {
  const image = await page.locator('.show-slide.is-current img').boundingBox();
  const text = await caption(page).boundingBox();
  expect(image!.height).toBeGreaterThan(100);
  expect(image!.y + image!.height).toBeLessThanOrEqual(text!.y + 0.5);
}

describe('the show in real Chromium', () => {
  const temp = makeTempDir('vernissage-show-');
  let gateway: TestGateway;
  let chromium: Browser;
  let party: Party;
  const guests: Guest[] = [];
  const ids: Record<keyof typeof PROMPTS, number> = {} as never;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    gateway = await startGateway(temp.dir);
    chromium = await launchChromium();
    party = new Party(gateway);
    for (const name of ['one', 'two', 'three', 'four']) guests.push(await party.guest(`Phone/show-${name}`));
    ids.first = await party.submit(guests[0], PROMPTS.first, 768, 512);
    ids.second = await party.submit(guests[1], PROMPTS.second);
    ids.denied = await party.submit(guests[3], PROMPTS.denied);
    ids.pending = await party.submit(guests[3], PROMPTS.pending);
    ids.third = await party.submit(guests[2], PROMPTS.third, 512, 768);
    await party.approveAndRender(ids.first, solidPng(768, 512, [214, 96, 58]));
    await party.approveAndRender(ids.second, solidPng(512, 512, [58, 120, 214]));
    await party.decide(ids.denied, 'deny');
    await party.approveAndRender(ids.third, solidPng(512, 768, [80, 170, 110]));
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await chromium?.close();
    await gateway?.close();
    temp.cleanup();
  });

  async function hostPage(
    options: Parameters<Browser['newContext']>[0],
  ): Promise<{ page: Page; errors: string[] }> {
    const context = await chromium.newContext(options);
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(await gateway.claimLink());
    await page.waitForURL(/\/admin$/);
    return { page, errors };
  }

  it('Reveal switch: applied at once, kept after a reload', async () => {
    const { page, errors } = await hostPage({ viewport: { width: 1280, height: 800 } });
    const reveal = page.getByRole('switch', { name: 'Reveal' });
    expect(await reveal.isChecked()).toBe(false);
    // With the script, the switch alone does it: no Apply button.
    expect(await page.getByRole('button', { name: 'Apply' }).isVisible()).toBe(false);
    await expectAccessible(page, 'the moderation page');
    await reveal.click();
    await expect.poll(async () => (await gateway.app.get(SettingsService).get()).revealed).toBe(true);
    await expect.poll(() => page.locator('[data-reveal-status]').textContent()).toContain('Guests see');
    await page.reload();
    expect(await page.getByRole('switch', { name: 'Reveal' }).isChecked()).toBe(true);
    await page.getByRole('switch', { name: 'Reveal' }).click();
    await expect.poll(async () => (await gateway.app.get(SettingsService).get()).revealed).toBe(false);
    expect(errors).toEqual([]);
  });

  it('steps through approved, rendered images in order with buttons and keys; nothing else appears', async () => {
    const { page, errors } = await hostPage({ viewport: { width: 1280, height: 720 } });
    await page.getByRole('link', { name: 'Show', exact: true }).click();
    await page.waitForURL(/\/admin\/show$/);
    const next = page.getByRole('button', { name: 'Next', exact: true });
    const previous = page.getByRole('button', { name: 'Previous', exact: true });

    expect(await promptShown(page)).toBe(PROMPTS.first);
    expect(await caption(page).locator('.swatch-name').textContent()).toBe(guests[0].colour);
    expect(await page.locator('[data-show-counter]').textContent()).toBe('1 / 3');
    await expect
      .poll(() =>
        page
          .locator('.show-slide.is-current img')
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBe(768);
    expect(await previous.isDisabled()).toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'show.png'), animations: 'disabled' });
    await expectCaptionBelowImage(page);
    await expectAccessible(page, 'the show');

    await next.click();
    expect(await promptShown(page)).toBe(PROMPTS.second);
    expect(await caption(page).locator('.swatch-name').textContent()).toBe(guests[1].colour);
    await page.keyboard.press('ArrowRight');
    expect(await promptShown(page)).toBe(PROMPTS.third);
    expect(await next.isDisabled()).toBe(true);
    await previous.click();
    expect(await promptShown(page)).toBe(PROMPTS.second);
    await page.keyboard.press('ArrowLeft');
    expect(await promptShown(page)).toBe(PROMPTS.first);
    // Space advances too (but not while a button has the focus: there it presses the button).
    await page.evaluate(() =>
      (
        globalThis as unknown as { document: { activeElement: { blur(): void } } }
      ).document.activeElement.blur(),
    );
    await page.keyboard.press('Space');
    expect(await promptShown(page)).toBe(PROMPTS.second);

    // Every slide, start to end: only the three approved and rendered prompts, in submission order.
    await page.keyboard.press('Home');
    const seen: string[] = [];
    for (let i = 0; i < 10; i++) {
      seen.push((await promptShown(page)) ?? '');
      if (await next.isDisabled()) break;
      await next.click();
    }
    expect(seen).toEqual([PROMPTS.first, PROMPTS.second, PROMPTS.third]);
    const html = await page.content();
    expect(html).not.toContain('DENIED');
    expect(html).not.toContain('PENDING');
    expect(errors).toEqual([]);
  });

  it('auto-advances at the chosen interval, and live mode appends a new render', async () => {
    const { page, errors } = await hostPage({ viewport: { width: 1920, height: 1080 } });
    await page.goto(`${gateway.url}/admin/show`);
    expect(await promptShown(page)).toBe(PROMPTS.first);
    await page.getByLabel('Interval').selectOption('3');
    await page.getByRole('button', { name: 'Play' }).click();
    expect(await page.getByRole('button', { name: 'Pause' }).isVisible()).toBe(true);
    await expect.poll(() => promptShown(page), { timeout: 6000 }).toBe(PROMPTS.second);
    await page.getByRole('button', { name: 'Pause' }).click();

    expect(await page.getByLabel('Live').isChecked()).toBe(true);
    ids.live = await party.submit(guests[0], PROMPTS.live);
    await party.approveAndRender(ids.live, solidPng(512, 512, [230, 200, 60]));
    await expect
      .poll(() => page.locator('[data-show-counter]').textContent(), { timeout: 10_000 })
      .toMatch(/ \/ 4$/);
    await page.keyboard.press('End');
    expect(await promptShown(page)).toBe(PROMPTS.live);
    expect(await caption(page).locator('.swatch-name').textContent()).toBe(guests[0].colour);
    expect(errors).toEqual([]);
  });

  it('fits a phone: image, caption and Next/Previous on screen', async () => {
    const { page, errors } = await hostPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      userAgent:
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36',
    });
    await page.goto(`${gateway.url}/admin/show`);
    await page.getByRole('button', { name: 'Next', exact: true }).click();
    expect(await promptShown(page)).toBe(PROMPTS.second);
    await page.getByRole('button', { name: 'Previous', exact: true }).click();
    expect(await promptShown(page)).toBe(PROMPTS.first);
    const box = await caption(page).boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390.5);
    expect(box!.y + box!.height).toBeLessThanOrEqual(844.5);
    await expectCaptionBelowImage(page);
    const scrollWidth = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
    expect(scrollWidth).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(SCREENSHOTS, 'show-phone.png'), animations: 'disabled' });
    expect(errors).toEqual([]);
  });
});

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionQueries } from '../../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { makeTempDir, startGateway, type TestGateway } from '../gateway/harness.js';
import { solidPng } from '../support/gallery-fixtures.js';
import { expectAccessible, expectNoHorizontalOverflow, expectSwatchVisible } from './axe.js';
import { launchChromium } from './chromium.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

describe('guest and admin in real Chromium', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let chromium: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    gateway = await startGateway(temp.dir);
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await gateway?.close();
    temp.cleanup();
  });

  it('a guest gets a colour and sends a prompt; the admin approves it', async () => {
    const guestContext = await chromium.newContext({
      viewport: { width: 390, height: 844 },
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148',
      locale: 'fr-FR',
    });
    const guest = await guestContext.newPage();
    const scriptErrors: string[] = [];
    guest.on('console', (message) => {
      if (message.type() === 'error') scriptErrors.push(message.text());
    });
    await guest.goto(`${gateway.url}/`);
    const welcome = guest.getByRole('dialog');
    await expect.poll(() => welcome.isVisible()).toBe(true);
    const heading = await welcome.getByRole('heading').textContent();
    const colour = /Your colour is (.+)/.exec(heading ?? '')?.[1]?.trim();
    expect(colour).toBeTruthy();
    await guest.screenshot({ path: join(SCREENSHOTS, 'guest-welcome.png') });
    await expectAccessible(guest, 'the welcome');
    await welcome.getByRole('button', { name: "Let's go" }).click();
    await expect.poll(() => welcome.isVisible()).toBe(false);
    expect(await guest.getByRole('region', { name: 'Your colour' }).textContent()).toContain(colour!);
    // Navy or black on the dark page still shows: the ring around the swatch, well above WCAG's 3:1.
    await expectSwatchVisible(guest.locator('.me .swatch'), 4.5);

    // The browser applies the same rule as the server: whitespace alone is not a prompt.
    await guest.getByLabel('Prompt', { exact: true }).fill('   ');
    await guest.getByRole('button', { name: 'Send' }).click();
    expect(
      await guest
        .getByLabel('Prompt', { exact: true })
        .evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid),
    ).toBe(false);

    await guest.getByLabel('Prompt', { exact: true }).fill('A lighthouse made of <glass> at dusk');
    await guest.getByLabel('Width').selectOption('768');
    await guest.getByLabel('Height').selectOption('512');
    await guest.getByRole('button', { name: 'Send' }).click();
    await guest.waitForURL(/\/#your-prompts$/);
    const item = guest.locator('.prompt-item').first();
    expect(await item.locator('.prompt-text').textContent()).toBe('A lighthouse made of <glass> at dusk');
    expect(await item.locator('.status').textContent()).toBe('pending');
    expect(await item.textContent()).toContain('768×512');
    await guest.screenshot({ path: join(SCREENSHOTS, 'guest-pending.png'), fullPage: true });
    await expectAccessible(guest, 'the guest page');
    await expectNoHorizontalOverflow(guest, 'the guest page');

    const adminContext = await chromium.newContext({ viewport: { width: 1280, height: 800 } });
    const admin = await adminContext.newPage();
    await admin.goto(await gateway.claimLink());
    await admin.waitForURL(/\/admin$/);
    const row = admin.locator('[data-live-queue] .queue-item', {
      hasText: 'A lighthouse made of <glass> at dusk',
    });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain(colour!);
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-moderation.png'), fullPage: true });
    await expectAccessible(admin, 'the moderation page');
    await expectSwatchVisible(row.locator('.swatch'), 4.5);
    // Each row's buttons say which prompt they decide, starting with the word on the button.
    expect(await row.getByRole('button', { name: 'Approve' }).getAttribute('aria-label')).toMatch(
      new RegExp(`^Approve prompt #\\d+ by ${colour}$`),
    );
    await row.getByRole('button', { name: 'Approve' }).click();
    // Decided in place, without a page load: the row goes and the counts follow.
    await expect.poll(() => row.count(), { timeout: 5000 }).toBe(0);
    await expect
      .poll(() => admin.getByRole('list', { name: 'Prompts by status' }).textContent(), { timeout: 5000 })
      .toMatch(/pending\s*0/);

    await guest.reload();
    // No renderer runs in this test, so the prompt stays approved.
    expect(await guest.locator('.prompt-item .status').first().textContent()).toBe('approved');
    expect(scriptErrors).toEqual([]);
    await guestContext.close();
    await adminContext.close();
  });

  it('without JavaScript, a guest sends a prompt with a picture through the plain form', async () => {
    const context = await chromium.newContext({
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
    });
    const guest = await context.newPage();
    await guest.goto(`${gateway.url}/`);
    await guest.getByLabel('Prompt', { exact: true }).fill('no script, a picture all the same');
    await guest.getByText('Start from a picture (optional)').click();
    await guest.getByLabel('Picture', { exact: true }).setInputFiles({
      name: 'plain.png',
      mimeType: 'image/png',
      buffer: solidPng(120, 80, [30, 90, 160]),
    });
    await guest.getByRole('button', { name: 'Send' }).click();
    await guest.waitForURL(/\/#your-prompts$/);
    const item = guest.locator('.prompt-item', { hasText: 'no script, a picture all the same' });
    expect(await item.locator('.status').textContent()).toBe('pending');
    const stored = await gateway.app
      .get(SuggestionQueries)
      .findById(Number(await item.getAttribute('data-prompt-id')));
    expect(stored?.pictureFile).toMatch(/\.png$/);
    await context.close();
  });
});

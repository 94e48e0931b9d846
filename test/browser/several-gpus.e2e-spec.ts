import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../gateway/harness.js';
import { startGpuStack, type GpuStack } from '../support/render-stack.js';
import { expectAccessible } from './axe.js';
import { launchChromium } from './chromium.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
// Long enough that both servers are still drawing after the host approved five prompts on a busy machine.
const IMAGE_MS = 2_500;

/**
 * Two GPUs as a host and a guest see them in Chromium: one renderer with two fake AUTOMATIC1111 servers,
 * the panel listing each with its state, job and images per minute, pause and resume per server, and the
 * guest's page saying how long each approved prompt is expected to wait.
 */
describe('several GPUs in Chromium (one renderer, two fake SD servers)', () => {
  const temp = makeTempDir('vernissage-gpus-browser-');
  let stack: GpuStack;
  let chromium: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    stack = await startGpuStack(temp.dir, [[IMAGE_MS, IMAGE_MS]], {
      gatewayEnv: { PUBLIC_URL: 'https://party.example.org' },
    });
    chromium = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
    temp.cleanup();
  });

  async function send(page: Page, prompt: string): Promise<void> {
    await page.getByLabel('Prompt', { exact: true }).fill(prompt);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/#your-prompts$/);
  }

  const item = (page: Page, prompt: string) => page.locator('.prompt-item', { hasText: prompt });
  const statusOf = (page: Page, prompt: string) => item(page, prompt).locator('.status').textContent();

  it('the panel shows each SD server; pause and resume one; the guest sees the wait shrink to rendered', async () => {
    const guestContext = await chromium.newContext({
      viewport: { width: 390, height: 844 },
      userAgent: 'Mozilla/5.0 (Linux; Android 14) GPU guest',
    });
    const guest = await guestContext.newPage();
    await guest.goto(`${stack.gateway.url}/`);
    await guest.getByRole('button', { name: "Let's go" }).click();
    const hostContext = await chromium.newContext({ viewport: { width: 1280, height: 900 } });
    const host = await hostContext.newPage();
    await host.goto(await stack.gateway.claimLink());
    await host.waitForURL(/\/admin$/);

    const workers = host.locator('.workers .worker');
    await expect.poll(() => workers.count(), { timeout: 10_000 }).toBe(2);
    expect(await workers.locator('strong').allTextContents()).toEqual(['SD server 1', 'SD server 2']);

    const approve = async (prompt: string) => {
      const row = host.locator('[data-live-queue] .queue-item', { hasText: prompt });
      await expect.poll(() => row.count(), { timeout: 5000 }).toBe(1);
      await row.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => row.count(), { timeout: 5000 }).toBe(0);
    };

    // A first image measures how long these GPUs take.
    await send(guest, 'a lighthouse at dusk');
    await approve('a lighthouse at dusk');
    await expect.poll(() => statusOf(guest, 'a lighthouse at dusk'), { timeout: 15_000 }).toBe('rendered');

    // Five more: two draw at once, the rest wait, and the guest is told for how long.
    const prompts = [
      'a fox in the snow',
      'a red tram',
      'a paper moon',
      'a glass whale',
      'a violin of leaves',
    ];
    for (const prompt of prompts) await send(guest, prompt);
    for (const prompt of prompts) await approve(prompt);
    const last = 'a violin of leaves';
    await expect
      .poll(() => item(guest, last).locator('[data-wait]').textContent(), { timeout: 10_000 })
      .toMatch(/^about \d+ minutes?$/);
    expect(await item(guest, last).locator('[data-wait]').isVisible()).toBe(true);
    await guest.screenshot({ path: join(SCREENSHOTS, 'guest-wait.png'), fullPage: true });

    // Both servers work at once, each on its own job.
    await expect
      .poll(() => host.locator('.workers .worker.worker-rendering').count(), { timeout: 10_000 })
      .toBe(2);
    await host.locator('.workers').screenshot({ path: join(SCREENSHOTS, 'admin-several-gpus.png') });
    await expectAccessible(host, 'the renderer panel with two SD servers');

    // Pause the second: it says so, then takes work again once resumed.
    await host.getByRole('button', { name: 'Pause SD server 2' }).click();
    const second = host.locator('.workers .worker[data-worker="0/1"]');
    await expect.poll(() => second.locator('.status').textContent(), { timeout: 5000 }).toMatch(/^Paused/);
    await host.getByRole('button', { name: 'Resume SD server 2' }).click();
    await expect
      .poll(() => second.locator('.status').textContent(), { timeout: 5000 })
      .not.toMatch(/^Paused/);

    // Everything is drawn; the wait goes away with it, and both servers drew a share and have a rate.
    for (const prompt of prompts) {
      await expect.poll(() => statusOf(guest, prompt), { timeout: 30_000 }).toBe('rendered');
      expect(await item(guest, prompt).locator('[data-wait]').isVisible()).toBe(false);
    }
    const drawn = stack.sds[0].map((sd) => sd.stats().generations);
    expect(drawn.reduce((sum, n) => sum + n, 0)).toBe(6);
    expect(Math.min(...drawn)).toBeGreaterThanOrEqual(1);
    await expect.poll(() => workers.filter({ hasText: 'images/min' }).count(), { timeout: 5000 }).toBe(2);
    await hostContext.close();
    await guestContext.close();
  }, 120_000);
});

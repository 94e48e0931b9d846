import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startGateway, type TestGateway } from '../gateway/harness.js';
import { expectAccessible, expectNoHorizontalOverflow } from './axe.js';
import { launchChromium } from './chromium.js';

describe('API tokens and history tabs in real Chromium', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let chromium: Browser;
  let context: BrowserContext;
  let page: Page;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    chromium = await launchChromium();
    context = await chromium.newContext({
      viewport: { width: 390, height: 844 },
      permissions: ['clipboard-read', 'clipboard-write'],
      userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile api-tokens-spec',
    });
    context.setDefaultTimeout(8000);
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') scriptErrors.push(message.text());
    });
    await page.goto(`${gateway.url}/`);
    await page.getByRole('dialog').getByRole('button', { name: "Let's go" }).click();
  });
  afterAll(async () => {
    await context?.close();
    await chromium?.close();
    await gateway?.close();
    temp.cleanup();
  });

  it('Create API token shows the token once in the "API token" field; it works on /api until revoked', async () => {
    await page.goto(`${gateway.url}/account`);
    await expectAccessible(page, 'the account page');
    await page.getByLabel('Token name').fill('phone script');
    await page.getByRole('button', { name: 'Create API token' }).click();
    const field = page.getByLabel('API token', { exact: true });
    const token = await field.inputValue();
    expect(token).toMatch(/^vn_[A-Za-z0-9_-]{43}$/);
    expect(await field.getAttribute('readonly')).not.toBeNull();
    await expectAccessible(page, 'the account page with a new token');
    await expectNoHorizontalOverflow(page, 'the account page with a new token');
    // Copy puts the token on the clipboard (localhost is a secure context, so the clipboard API is used).
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    const copy = page.locator('button[data-copy="api-token"]');
    await expect.poll(() => copy.textContent()).toBe('Copied');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(token);

    const sent = await request(gateway.url)
      .post('/api/prompts')
      .set('Authorization', `Bearer ${token}`)
      .send({ prompt: 'sent by my script', width: 512, height: 512 });
    expect(sent.status).toBe(201);

    await page.goto(`${gateway.url}/account/api-tokens`);
    await expectAccessible(page, 'the API tokens page');
    expect(await page.content()).not.toContain(token);
    await expect(page.getByLabel('API token', { exact: true }).count()).resolves.toBe(0);
    expect(await page.locator('.token-name').allTextContents()).toEqual(['phone script']);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.waitForURL(/\/account\/api-tokens$/);
    expect(await page.getByRole('status').first().textContent()).toContain('revoked');
    const after = await request(gateway.url).get('/api/prompts').set('Authorization', `Bearer ${token}`);
    expect(after.status).toBe(401);
  });

  it('history tabs are links with tab semantics; the selected one carries aria-selected', async () => {
    await page.goto(`${gateway.url}/`);
    await page.getByRole('link', { name: /Your history/ }).click();
    await page.waitForURL(/\/history$/);
    const pending = page.getByRole('tab', { name: /Pending/ });
    expect(await pending.getAttribute('aria-selected')).toBe('true');
    expect(await pending.textContent()).toMatch(/Pending\s*1/);
    expect(await page.getByRole('tabpanel').textContent()).toContain('sent by my script');
    await expectAccessible(page, 'the history page');

    await page.getByRole('tab', { name: /Denied/ }).click();
    await page.waitForURL(/\?tab=denied$/);
    expect(await page.getByRole('tab', { name: /Denied/ }).getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('tab', { name: /Pending/ }).getAttribute('aria-selected')).toBe('false');
    expect(await page.getByRole('tabpanel').textContent()).toContain('Nothing here.');
    expect(scriptErrors).toEqual([]);
  });
});

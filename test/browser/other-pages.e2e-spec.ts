import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsService } from '../../apps/gateway/src/settings/settings.service.js';
import { makeTempDir, startGateway, type TestGateway } from '../gateway/harness.js';
import { expectAccessible, expectNoHorizontalOverflow } from './axe.js';
import { launchChromium } from './chromium.js';

/** The pages the flows in the other browser tests do not pass through, on a phone. */
describe('the remaining pages in real Chromium: accessible and fitting a phone', () => {
  const temp = makeTempDir('vernissage-pages-');
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

  const phone = {
    viewport: { width: 390, height: 844 },
    userAgent: 'Mozilla/5.0 (Linux; Android 14) pages-spec',
  };

  it('log in, forgot password, an error page, "Are you lost?" and invite-only', async () => {
    const context = await chromium.newContext(phone);
    const page = await context.newPage();
    for (const [path, what] of [
      ['/login', 'the login page'],
      ['/forgot-password', 'the forgot-password page'],
      ['/account/set-password?token=cut-short', 'the error page for a malformed link'],
      ['/no-such-page', 'the 404 page'],
    ]) {
      await page.goto(`${gateway.url}${path}`);
      await expectAccessible(page, what);
      await expectNoHorizontalOverflow(page, what);
    }
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('404');

    // A colour on this device, then the cookie gone: the same phone is asked whether it is lost.
    await page.goto(`${gateway.url}/`);
    await context.clearCookies();
    await page.goto(`${gateway.url}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Are you lost?');
    await expectAccessible(page, 'the "Are you lost?" page');
    await expectNoHorizontalOverflow(page, 'the "Are you lost?" page');
    await context.close();

    await gateway.app.get(SettingsService).update({ accessMode: 'invite-only' });
    const stranger = await chromium.newContext({ ...phone, userAgent: 'Mozilla/5.0 (iPhone) pages-spec-2' });
    const closed = await stranger.newPage();
    await closed.goto(`${gateway.url}/`);
    expect(await closed.getByRole('heading', { level: 1 }).textContent()).toBe('Invite-only');
    await expectAccessible(closed, 'the invite-only page');
    await stranger.close();
  }, 60_000);
});

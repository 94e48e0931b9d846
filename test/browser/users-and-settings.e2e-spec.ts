import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, startGateway, type TestGateway } from '../gateway/harness.js';
import { expectAccessible, expectNoHorizontalOverflow } from './axe.js';
import { launchChromium } from './chromium.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

describe('admin users and settings pages in real Chromium', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let chromium: Browser;
  let adminContext: BrowserContext;
  let admin: Page;
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    gateway = await startGateway(temp.dir);
    chromium = await launchChromium();
    adminContext = await chromium.newContext({ viewport: { width: 1280, height: 800 } });
    adminContext.setDefaultTimeout(8000);
    admin = await adminContext.newPage();
    admin.on('console', (message) => {
      if (message.type() === 'error') scriptErrors.push(message.text());
    });
    await admin.goto(await gateway.claimLink());
    await admin.waitForURL(/\/admin$/);
  });
  afterAll(async () => {
    await adminContext?.close();
    await chromium?.close();
    await gateway?.close();
    temp.cleanup();
  });

  /** A phone guest with a colour of its own; returns the page and the colour's name. */
  async function guestPhone(
    userAgent: string,
  ): Promise<{ page: Page; colour: string; close: () => Promise<void> }> {
    const context = await chromium.newContext({ viewport: { width: 390, height: 844 }, userAgent });
    context.setDefaultTimeout(8000);
    const page = await context.newPage();
    await page.goto(`${gateway.url}/`);
    const welcome = page.getByRole('dialog');
    const heading = await welcome.getByRole('heading').textContent();
    const colour = /Your colour is (.+)/.exec(heading ?? '')?.[1]?.trim() ?? '';
    expect(colour).not.toBe('');
    await welcome.getByRole('button', { name: "Let's go" }).click();
    return { page, colour, close: () => context.close() };
  }

  it('the admin bans a guest from /admin/users; the guest’s page then says they cannot send prompts', async () => {
    const guest = await guestPhone('Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile users-spec-1');
    await guest.page.getByLabel('Prompt', { exact: true }).fill('a harbour at night');
    await guest.page.getByRole('button', { name: 'Send' }).click();
    await guest.page.waitForURL(/#your-prompts$/);

    await admin.goto(`${gateway.url}/admin`);
    await admin.getByRole('link', { name: 'Users', exact: true }).click();
    await admin.waitForURL(/\/admin\/users$/);
    const row = admin.getByRole('row').filter({ has: admin.getByText(guest.colour, { exact: true }) });
    expect(await row.count()).toBe(1);
    expect(await row.locator('[data-count="pending"]').textContent()).toBe('1');
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-users.png'), fullPage: true });
    await expectAccessible(admin, 'the users page');
    // A phone and a tablet: the search, Find, the role selects and every button stay inside the screen.
    for (const width of [390, 768]) {
      await admin.setViewportSize({ width, height: 844 });
      await expectNoHorizontalOverflow(admin, `/admin/users at ${width} px`);
      for (const control of [
        admin.getByRole('button', { name: 'Find', exact: true }),
        row.getByLabel(`Role of ${guest.colour}`, { exact: true }),
        row.getByRole('button', { name: 'Delete', exact: true }),
      ]) {
        const box = await control.boundingBox();
        expect(box!.x + box!.width, `at ${width} px`).toBeLessThanOrEqual(width);
      }
      await expectAccessible(admin, `the users page at ${width} px`);
      if (width === 390)
        await admin.screenshot({ path: join(SCREENSHOTS, 'admin-users-phone.png'), fullPage: true });
    }
    await admin.setViewportSize({ width: 1280, height: 800 });
    await row.getByRole('button', { name: 'Ban', exact: true }).click();
    await admin.waitForLoadState('load');
    expect(await admin.getByRole('status').textContent()).toContain(
      `${guest.colour} is banned; 1 waiting prompt was denied.`,
    );
    const bannedRow = admin.getByRole('row').filter({ has: admin.getByText(guest.colour, { exact: true }) });
    expect(await bannedRow.getByRole('button', { name: 'Unban', exact: true }).count()).toBe(1);
    expect(await bannedRow.getByRole('button', { name: 'Ban', exact: true }).count()).toBe(0);

    await guest.page.reload();
    expect(await guest.page.getByRole('alert').textContent()).toContain(
      'The host has stopped you from sending prompts.',
    );
    expect(await guest.page.getByRole('button', { name: 'Send' }).count()).toBe(0);
    expect(await guest.page.locator('.prompt-item .status').first().textContent()).toBe('denied');
    await guest.page.screenshot({ path: join(SCREENSHOTS, 'guest-banned.png'), fullPage: true });
    await expectAccessible(guest.page, "a banned guest's page");

    // Delete asks on a page of its own before anything goes.
    await bannedRow.getByRole('button', { name: 'Delete', exact: true }).click();
    await admin.waitForURL(/\/admin\/users\/\d+\/delete/);
    expect(await admin.getByRole('heading', { level: 1 }).textContent()).toContain(`Delete ${guest.colour}?`);
    await expectAccessible(admin, 'the delete confirmation');
    await admin.getByRole('button', { name: 'Delete', exact: true }).click();
    await admin.waitForURL(/\/admin\/users$/);
    expect(await admin.getByRole('status').textContent()).toContain(`${guest.colour} was deleted`);
    expect(
      await admin
        .getByRole('row')
        .filter({ has: admin.getByText(guest.colour, { exact: true }) })
        .count(),
    ).toBe(0);
    await guest.close();
  });

  it('the admin changes the allowed sizes in /admin/settings; a guest’s Width select offers the new sizes', async () => {
    await admin.goto(`${gateway.url}/admin/settings`);
    await admin.getByRole('checkbox', { name: '1024', exact: true }).uncheck();
    await admin.getByRole('checkbox', { name: '640', exact: true }).check();
    await admin.getByRole('checkbox', { name: '1280', exact: true }).check();
    await admin.getByLabel('Steps').fill('30');
    await admin.screenshot({ path: join(SCREENSHOTS, 'admin-settings.png'), fullPage: true });
    await expectAccessible(admin, 'the settings page');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.waitForURL(/\/admin\/settings$/);
    expect(await admin.getByRole('status').textContent()).toBe('Saved');
    expect(await admin.getByRole('checkbox', { name: '640', exact: true }).isChecked()).toBe(true);
    expect(await admin.getByRole('checkbox', { name: '1024', exact: true }).isChecked()).toBe(false);
    expect(await admin.getByLabel('Steps').inputValue()).toBe('30');

    const guest = await guestPhone('Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) users-spec-2');
    const width = guest.page.getByLabel('Width');
    const offered = await width
      .locator('option')
      .evaluateAll((options) => options.map((option) => (option as unknown as { value: string }).value));
    expect(offered).toEqual(['512', '640', '768', '1280']);
    await guest.page.getByLabel('Prompt', { exact: true }).fill('a wide lighthouse');
    await width.selectOption('1280');
    await guest.page.getByLabel('Height').selectOption('640');
    await guest.page.getByRole('button', { name: 'Send' }).click();
    await guest.page.waitForURL(/#your-prompts$/);
    expect(await guest.page.locator('.prompt-item').first().textContent()).toContain('1280×640');

    expect(scriptErrors).toEqual([]);

    // Unticking every size is refused (400) with the field named, and nothing changes.
    await admin.goto(`${gateway.url}/admin/settings`);
    for (const size of ['512', '640', '768', '1280']) {
      await admin.getByRole('checkbox', { name: size, exact: true }).uncheck();
    }
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.waitForLoadState('load');
    expect(await admin.getByRole('alert').textContent()).toContain(
      'Allowed sizes: choose at least one size.',
    );
    await guest.page.reload();
    expect(await guest.page.getByLabel('Width').locator('option').count()).toBe(4);
    await guest.close();
  });
});

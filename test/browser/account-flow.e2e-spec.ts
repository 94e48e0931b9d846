import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionQueries } from '../../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { makeTempDir, startGateway, type TestGateway } from '../gateway/harness.js';
import { eventually } from '../pipeline/processes.js';
import { accountLinkFrom, startSmtp, type TestSmtpServer } from '../support/smtp.js';
import { expectAccessible } from './axe.js';
import { launchChromium } from './chromium.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

function picture(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([40, 120, 200, 255], i);
  return PNG.sync.write(png);
}

describe('an invited member in real Chromium: invitation → set password → log in → prompt with a picture', () => {
  const temp = makeTempDir('vernissage-account-flow-');
  let smtp: TestSmtpServer;
  let gateway: TestGateway;
  let chromium: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    smtp = await startSmtp();
    gateway = await startGateway(temp.dir, { SMTP_URL: smtp.url, MAIL_FROM: 'Party <host@example.test>' });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await gateway?.close();
    await smtp?.close();
    temp.cleanup();
  });

  it('works end to end through the pages', async () => {
    const hostContext = await chromium.newContext({ viewport: { width: 1280, height: 900 } });
    const host = await hostContext.newPage();
    await host.goto(await gateway.claimLink());
    await host.waitForURL(/\/admin$/);
    await host.getByRole('link', { name: 'Users', exact: true }).click();
    await host.waitForURL(/\/admin\/users$/);
    await expectAccessible(host, 'the users page');
    await host.getByLabel('Username', { exact: true }).fill('marta');
    await host.getByLabel('Email', { exact: true }).fill('Marta@Example.test');
    await host.getByLabel('Role', { exact: true }).selectOption('member');
    await host.getByRole('button', { name: 'Invite', exact: true }).click();
    await host.waitForLoadState('load');

    const mail = await eventually(
      () => smtp.messages.find((message) => message.to.includes('marta@example.test')),
      (message) => message !== undefined,
      10_000,
      'the invitation mail',
    );
    expect(mail!.raw).not.toMatch(/password:\s*\S/i);
    const link = await accountLinkFrom(mail!.raw);

    const memberContext = await chromium.newContext({ viewport: { width: 390, height: 844 } });
    const member = await memberContext.newPage();
    await member.goto(`${gateway.url}${link.pathname}${link.search}`);
    await expectAccessible(member, 'the set-password page');
    await member.getByLabel('New password', { exact: true }).fill('a long enough secret');
    await member.getByLabel('Repeat password', { exact: true }).fill('a long enough secret');
    await member.getByRole('button', { name: 'Set password', exact: true }).click();
    await member.waitForLoadState('load');

    // Log out and back in with the new password, by email this time.
    await member.goto(`${gateway.url}/account`);
    await expectAccessible(member, 'the account page');
    await member.getByRole('button', { name: 'Log out', exact: true }).click();
    await member.waitForLoadState('load');
    await member.goto(`${gateway.url}/login`);
    await expectAccessible(member, 'the login page');
    await member.getByLabel('Username or email', { exact: true }).fill('marta@example.test');
    await member.getByLabel('Password', { exact: true }).fill('a long enough secret');
    await member.getByRole('button', { name: 'Log in', exact: true }).click();
    await member.waitForURL(`${gateway.url}/`);

    await member.getByLabel('Prompt', { exact: true }).fill('my cat, as a renaissance portrait');
    await member.getByLabel('Picture', { exact: true }).setInputFiles({
      name: 'cat.png',
      mimeType: 'image/png',
      buffer: picture(640, 480),
    });
    await member.getByRole('button', { name: 'Send' }).click();
    await member.waitForURL(/#your-prompts$/);
    const item = member.locator('.prompt-item', { hasText: 'my cat, as a renaissance portrait' });
    expect(await item.locator('.status').textContent()).toBe('pending');
    await member.screenshot({ path: join(SCREENSHOTS, 'member-with-picture.png'), fullPage: true });
    await expectAccessible(member, "a member's page");

    const id = Number(await item.getAttribute('data-prompt-id'));
    const stored = await gateway.app.get(SuggestionQueries).findById(id);
    expect(stored?.pictureFile).toMatch(/\.png$/);
    await memberContext.close();
    await hostContext.close();
  }, 60_000);
});

describe('without SMTP in real Chromium: the host copies the invitation link from the users page', () => {
  const temp = makeTempDir('vernissage-pass-on-');
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

  it('invite → the link and a Copy button → the copied link opens the form → a moderator lands on /admin', async () => {
    const hostContext = await chromium.newContext({
      viewport: { width: 390, height: 844 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const host = await hostContext.newPage();
    await host.goto(await gateway.claimLink());
    await host.waitForURL(/\/admin$/);
    await host.goto(`${gateway.url}/admin/users`);
    await host.getByLabel('Username', { exact: true }).fill('moira');
    await host.getByLabel('Email', { exact: true }).fill('moira@example.test');
    await host.getByLabel('Role', { exact: true }).selectOption('moderator');
    await host.getByRole('button', { name: 'Invite', exact: true }).click();
    const field = host.getByLabel('Link to pass on', { exact: true });
    await field.waitFor();
    expect(await host.getByRole('status').textContent()).toContain('pass this link on to them');
    expect(await field.inputValue()).toMatch(/\/account\/set-password\?token=[A-Za-z0-9_-]{43}$/);
    await expectAccessible(host, 'the users page with a link to pass on');
    await host.screenshot({ path: join(SCREENSHOTS, 'admin-users-pass-on.png'), fullPage: true });
    await host.getByRole('button', { name: 'Copy', exact: true }).click();
    const copied = await host.evaluate<string>('navigator.clipboard.readText()');
    expect(copied).toBe(await field.inputValue());

    const modContext = await chromium.newContext({ viewport: { width: 390, height: 844 } });
    const mod = await modContext.newPage();
    await mod.goto(copied.replace(/^http:\/\/localhost:/, 'http://127.0.0.1:'));
    await mod.getByLabel('New password', { exact: true }).fill('a moderator secret');
    await mod.getByLabel('Repeat password', { exact: true }).fill('a moderator secret');
    await mod.getByRole('button', { name: 'Set password', exact: true }).click();
    await mod.waitForURL(/\/admin$/);
    expect(await mod.getByRole('status').first().textContent()).toBe(
      'Your password is set and you are signed in.',
    );
    await modContext.close();
    await hostContext.close();
  }, 60_000);
});

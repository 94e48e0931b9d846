import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveEventsService } from '../apps/gateway/src/live/live-events.service.js';
import type { LiveEvent } from '../apps/gateway/src/live/live-events.js';
import { SettingsService } from '../apps/gateway/src/settings/settings.service.js';
import { SettingsRepository } from '../apps/gateway/src/settings/settings.repository.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import {
  becomeAdmin,
  browser,
  csrfFrom,
  HTML,
  LAPTOP_UA,
  makeTempDir,
  openHome,
  startGateway,
  type Browser,
  type TestGateway,
} from './gateway/harness.js';

const JSON_TYPE = 'application/json';

/** Everything the form sends, as the browser sends it (hidden defaults first, then ticked boxes). */
function formBody(csrf: string, overrides: Record<string, string | string[]> = {}) {
  return {
    _csrf: csrf,
    submissionsOpen: ['off', 'on'],
    maxPendingPerGuest: '5',
    allowedSizes: ['', '512', '768', '1024'],
    otherSizes: '',
    steps: '20',
    cfgScale: '7',
    sampler: 'DPM++ 2M',
    scheduler: '',
    negativePrompt: '',
    model: '',
    ...overrides,
  };
}

function widthOptions(html: string): number[] {
  const select = /<select id="width"[^>]*>([\s\S]*?)<\/select>/.exec(html)?.[1] ?? '';
  return [...select.matchAll(/<option value="(\d+)"/g)].map((match) => Number(match[1]));
}

describe('admin settings page (HTTP, real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;
  let admin: Browser;
  let counter = 0;
  const events: LiveEvent[] = [];
  let subscription: Subscription;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
    admin = browser(gateway.url, LAPTOP_UA, 'de-DE');
    await openHome(admin);
    await becomeAdmin(gateway, admin);
    subscription = gateway.app
      .get(LiveEventsService)
      .all()
      .subscribe((event) => events.push(event));
  });
  afterAll(async () => {
    subscription?.unsubscribe();
    await gateway.close();
    temp.cleanup();
  });

  async function newGuest(): Promise<{ agent: Browser; csrf: string; html: string }> {
    const agent = browser(gateway.url, `Phone/admin-settings-${++counter}`);
    const { csrf, html } = await openHome(agent);
    return { agent, csrf, html };
  }

  async function settingsPage(): Promise<{ html: string; csrf: string }> {
    const res = await admin.get('/admin/settings').set('Accept', HTML);
    expect(res.status).toBe(200);
    return { html: res.text, csrf: csrfFrom(res.text) };
  }

  /** What is stored in the database, read past the service's cache. */
  async function stored(): Promise<Record<string, unknown>> {
    return Object.fromEntries(await gateway.app.get(SettingsRepository).readAll());
  }

  it('shows the form with the current settings, and the same as JSON', async () => {
    const { html } = await settingsPage();
    expect(html).toMatch(/<input type="checkbox" name="submissionsOpen" value="on" checked>/);
    for (const size of [512, 768, 1024]) {
      expect(html).toContain(`<input type="checkbox" name="allowedSizes" value="${size}" checked>`);
    }
    for (const size of [256, 640, 2048]) {
      expect(html).toContain(`<input type="checkbox" name="allowedSizes" value="${size}">`);
    }
    expect(html).toMatch(/id="steps" name="steps" value="20"/);
    expect(html).toMatch(/id="cfg-scale" name="cfgScale" value="7"/);
    expect(html).toMatch(/id="sampler" name="sampler" value="DPM\+\+ 2M" list="samplers"/);
    expect(html).toContain('<option value="Euler a"></option>');
    // Without SD to ask, only names every supported server accepts: no "… Karras" (SD.Next refuses those).
    expect(html).not.toMatch(/<option value="[^"]+ Karras">/);
    expect(html).toMatch(/id="scheduler" name="scheduler" value="" list="schedulers"/);
    expect(html).toContain('<datalist id="schedulers"><option value="Karras"></option>');
    expect(html).toContain('Suggestions are names every supported server accepts.');
    expect(html).toContain('<datalist id="models">');
    expect(html).toContain('<textarea id="negative-prompt" name="negativePrompt"');
    expect(html).toMatch(/<a href="\/admin\/settings" aria-current="page">Settings<\/a>/);

    const json = await admin.get('/admin/settings').set('Accept', JSON_TYPE);
    expect(json.status).toBe(200);
    expect(json.body).toEqual({
      submissionsOpen: true,
      accessMode: 'open',
      allowedSizes: [512, 768, 1024],
      maxPendingPerGuest: 5,
      steps: 20,
      cfgScale: 7,
      sampler: 'DPM++ 2M',
      scheduler: '',
      negativePrompt: '',
      model: '',
      holdWords: [],
      denyWords: [],
      autoApprove: 'off',
      graceSeconds: 60,
      reviewRenders: false,
    });
  });

  it('refuses guests (403) and requests without a CSRF token (403), changing nothing', async () => {
    const before = await stored();
    const guest = await newGuest();
    expect((await guest.agent.get('/admin/settings').set('Accept', HTML)).status).toBe(403);
    const asGuest = await guest.agent
      .post('/admin/settings')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', guest.csrf)
      .send({ submissionsOpen: false });
    expect(asGuest.status).toBe(403);
    const asGuestForm = await guest.agent
      .post('/admin/settings')
      .set('Accept', HTML)
      .type('form')
      .send(formBody(guest.csrf, { allowedSizes: ['', '256'] }));
    expect(asGuestForm.status).toBe(403);
    const withoutToken = await admin
      .post('/admin/settings')
      .set('Accept', HTML)
      .type('form')
      .send({ ...formBody(''), _csrf: undefined, allowedSizes: ['', '256'] });
    expect(withoutToken.status).toBe(403);
    const jsonWithoutToken = await admin
      .post('/admin/settings')
      .set('Accept', JSON_TYPE)
      .send({ submissionsOpen: false });
    expect(jsonWithoutToken.status).toBe(403);
    expect(await stored()).toEqual(before);
    expect((await gateway.app.get(SettingsService).get()).submissionsOpen).toBe(true);
  });

  it('answers invalid values with 400 naming the field, and changes nothing (not even the valid fields)', async () => {
    const { csrf } = await settingsPage();
    const before = await stored();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ steps: 0 }, /^Steps must be a whole number from 1 to 150\.$/],
      [{ steps: 151, sampler: 'Euler a' }, /^Steps/],
      [{ steps: '12abc' }, /^Steps/],
      [{ cfgScale: 31 }, /^CFG scale must be a number from 1 to 30\.$/],
      [{ maxPendingPerGuest: 0 }, /^Pending prompts per guest/],
      [{ allowedSizes: [] }, /^Allowed sizes: choose at least one size\.$/],
      [{ allowedSizes: [512, 300] }, /^Allowed sizes: 300 is not allowed; each size must be a multiple of 8/],
      [{ allowedSizes: [4096] }, /^Allowed sizes: 4096 is not allowed/],
      [{ allowedSizes: [200] }, /^Allowed sizes: 200 is not allowed/],
      [{ sampler: '   ' }, /^Sampler cannot be empty\.$/],
      [{ negativePrompt: 'n'.repeat(2001) }, /^Negative prompt can be at most 2000 characters\.$/],
      [{ model: 'm'.repeat(501) }, /^Model can be at most 500 characters\.$/],
      [{ submissionsOpen: 'perhaps' }, /^Submissions open must be on or off\.$/],
    ];
    for (const [body, message] of cases) {
      const res = await admin
        .post('/admin/settings')
        .set('Accept', JSON_TYPE)
        .set('x-csrf-token', csrf)
        .send({ submissionsOpen: false, ...body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toMatch(message);
    }
    const both = await admin
      .post('/admin/settings')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ steps: 0, cfgScale: 0 });
    expect(both.body.message).toMatch(/Steps .*CFG scale /);
    expect(await stored()).toEqual(before);
    expect((await gateway.app.get(SettingsService).get()).submissionsOpen).toBe(true);
    expect(events.filter((event) => event.type === 'settings.updated')).toEqual([]);
  });

  it('shows a rejected form again with the message beside the field and what was typed (400)', async () => {
    const { csrf } = await settingsPage();
    const before = await stored();
    const res = await admin
      .post('/admin/settings')
      .set('Accept', HTML)
      .type('form')
      .send(formBody(csrf, { allowedSizes: [''], otherSizes: '', steps: '500', sampler: 'Euler a' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Nothing was saved.');
    expect(res.text).toContain(
      '<p class="field-error" id="steps-error">Steps must be a whole number from 1 to 150.</p>',
    );
    expect(res.text).toContain('Allowed sizes: choose at least one size.');
    expect(res.text).toMatch(/id="steps" name="steps" value="500"[^>]*aria-invalid="true"/);
    expect(res.text).toMatch(/id="sampler" name="sampler" value="Euler a"/);
    expect(res.text).not.toMatch(/name="allowedSizes" value="\d+" checked/);
    expect(await stored()).toEqual(before);
  });

  it('saves the form, says "Saved", tells open pages, and guests are offered exactly the new sizes', async () => {
    const { csrf } = await settingsPage();
    events.length = 0;
    const res = await admin
      .post('/admin/settings')
      .set('Accept', HTML)
      .type('form')
      .send(formBody(csrf, { allowedSizes: ['', '640', '1024'], otherSizes: '520, 832' }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/settings');
    const { html } = await settingsPage();
    expect(html).toContain('<p class="flash" role="status">Saved</p>');
    expect(html).toContain('<input type="checkbox" name="allowedSizes" value="520" checked>');
    expect(html).not.toContain('name="allowedSizes" value="512" checked');
    expect((await settingsPage()).html).not.toContain('Saved</p>');
    expect(events).toContainEqual({ type: 'settings.updated' });
    expect(JSON.parse(String((await stored()).allowedSizes))).toEqual([520, 640, 832, 1024]);

    const guest = await newGuest();
    expect(widthOptions(guest.html)).toEqual([520, 640, 832, 1024]);
    const ok = await guest.agent
      .post('/prompts')
      .set('x-csrf-token', guest.csrf)
      .send({ prompt: 'a new size', width: 832, height: 520 });
    expect(ok.status).toBe(201);
    const gone = await guest.agent
      .post('/prompts')
      .set('x-csrf-token', guest.csrf)
      .send({ prompt: 'an old size', width: 512, height: 512 });
    expect(gone.status).toBe(400);
  });

  it('stores generation settings that the renderer receives with the next job; JSON changes only what it sends', async () => {
    const { csrf } = await settingsPage();
    const res = await admin.post('/admin/settings').set('Accept', JSON_TYPE).set('x-csrf-token', csrf).send({
      steps: 35,
      cfgScale: 6.5,
      sampler: 'Euler a',
      scheduler: 'Karras',
      negativePrompt: 'blurry, <lowres>',
      model: 'sdxl.safetensors [0123456789]',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      steps: 35,
      cfgScale: 6.5,
      sampler: 'Euler a',
      allowedSizes: [520, 640, 832, 1024],
    });
    expect(await gateway.app.get(SettingsService).generation()).toEqual({
      steps: 35,
      cfgScale: 6.5,
      sampler: 'Euler a',
      scheduler: 'Karras',
      negativePrompt: 'blurry, <lowres>',
      model: 'sdxl.safetensors [0123456789]',
    });
    const partial = await admin
      .post('/admin/settings')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ steps: 40 });
    expect(partial.body).toMatchObject({ steps: 40, sampler: 'Euler a', cfgScale: 6.5 });
    const { html } = await settingsPage();
    expect(html).toContain('>blurry, &lt;lowres&gt;</textarea>');
    expect(html).toContain('<option value="sdxl.safetensors [0123456789]"></option>');
  });

  it('closing submissions: guests see "Submissions are closed" and cannot submit; opening again lets them', async () => {
    const { csrf } = await settingsPage();
    const guest = await newGuest();
    const suggestions = gateway.app.get(SuggestionQueries);
    const before = Object.values(await suggestions.countByStatus()).reduce((a, b) => a + b, 0);
    const closed = await admin
      .post('/admin/settings')
      .set('Accept', HTML)
      .type('form')
      .send(formBody(csrf, { submissionsOpen: 'off' }));
    expect(closed.status).toBe(303);
    const { html } = await openHome(guest.agent);
    expect(html).toContain('Submissions are closed');
    expect(html).not.toContain('action="/prompts?_csrf=');
    const refused = await guest.agent
      .post('/prompts')
      .set('x-csrf-token', guest.csrf)
      .send({ prompt: 'closed?', width: 512, height: 512 });
    expect(refused.status).toBe(403);
    expect(Object.values(await suggestions.countByStatus()).reduce((a, b) => a + b, 0)).toBe(before);
    expect((await settingsPage()).html).toMatch(/<input type="checkbox" name="submissionsOpen" value="on">/);

    const reopened = await admin
      .post('/admin/settings')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', csrf)
      .send({ submissionsOpen: true });
    expect(reopened.body.submissionsOpen).toBe(true);
    const accepted = await guest.agent
      .post('/prompts')
      .set('x-csrf-token', guest.csrf)
      .send({ prompt: 'open again', width: 512, height: 512 });
    expect(accepted.status).toBe(201);
  });
});

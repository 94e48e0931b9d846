import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditPageView } from '../apps/gateway/src/audit/audit.view.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { HTML, makeTempDir, type Browser } from './gateway/harness.js';
import { eventually } from './pipeline/processes.js';
import { Party, type Guest } from './support/gallery-fixtures.js';
import { startRenderStack, type RenderStack } from './support/render-stack.js';

const JSON_TYPE = 'application/json';
/** The grace window here: short, so the whole party runs in seconds. */
const GRACE_S = 1;

const post = (who: { agent: Browser; csrf: string }, path: string, body: object = {}) =>
  who.agent.post(path).set('Accept', JSON_TYPE).set('x-csrf-token', who.csrf).send(body);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Auto-approve through the whole pipeline (gateway, renderer, a fake AUTOMATIC1111), with a short grace
 * window: what is approved automatically is rendered; what is denied in time, or has a picture, or is
 * flagged, never reaches the GPU.
 */
describe('Auto-approve, never blind (whole pipeline, short grace window)', () => {
  const temp = makeTempDir('vernissage-auto-approve-');
  let stack: RenderStack;
  let party: Party;
  let host: { agent: Browser; csrf: string };
  let guest: Guest;

  const settings = (body: object) => post(host, '/admin/settings', body);
  const stored = async (id: number) => (await stack.gateway.app.get(SuggestionQueries).findById(id))!;
  const rendered = (id: number) =>
    eventually(
      () => stored(id),
      (row) => row.status === 'rendered',
      15_000,
      `prompt #${id} rendered`,
    );
  const imageOnDisk = (id: number) => existsSync(join(stack.gateway.config.outputDir, `${id}.png`));
  const send = async (who: Guest, prompt: string) => {
    const res = await post(who, '/prompts', { prompt, width: 512, height: 512 });
    expect(res.status).toBe(201);
    return res.body as { id: number; status: string };
  };

  beforeAll(async () => {
    stack = await startRenderStack(temp.dir, {
      gatewayEnv: { MAX_PENDING_PER_GUEST: '100', SUBMISSIONS_PER_MINUTE: '100' },
    });
    party = new Party(stack.gateway);
    host = await party.host();
    guest = await party.guest('Phone/auto-approve-guest');
  });
  afterAll(async () => {
    await stack?.close();
    temp.cleanup();
  });

  it('Off (the default): nothing is approved without a person', async () => {
    const sent = await send(guest, 'off: waits for a person');
    await sleep((GRACE_S + 1) * 1000);
    expect((await stored(sent.id)).status).toBe('pending');
    await party.decide(sent.id, 'deny');
  });

  it('Everything not flagged after N seconds: approved after N s and rendered, the countdown on the page', async () => {
    expect((await settings({ autoApprove: 'grace', graceSeconds: GRACE_S })).status).toBe(200);
    const sent = await send(guest, 'grace: nobody objects');
    expect(sent.status).toBe('pending');
    const page = (await host.agent.get('/admin').set('Accept', HTML)).text;
    const submittedAt = (await stored(sent.id)).submittedAt.getTime();
    const deadline = new Date(submittedAt + GRACE_S * 1000).toISOString();
    expect(page).toContain(`Approved automatically in <time data-countdown datetime="${deadline}">`);
    const row = await rendered(sent.id);
    expect(row.decisionRule).toBe('grace-window');
    expect(row.decidedById).toBeNull();
    // Not before the window closed, and soon after it (the sweep runs twice a second).
    expect(row.decidedAt!.getTime() - submittedAt).toBeGreaterThanOrEqual(GRACE_S * 1000);
    expect(row.decidedAt!.getTime() - submittedAt).toBeLessThan(GRACE_S * 1000 + 1500);
    expect(imageOnDisk(sent.id)).toBe(true);
    const audit = (await host.agent.get('/admin/audit?kind=auto-decision').set('Accept', JSON_TYPE))
      .body as AuditPageView;
    expect(audit.entries.filter((entry) => entry.summary.includes(`prompt #${sent.id} `))).toMatchObject([
      { who: 'Auto-approve: not flagged after the grace window', automatic: true },
    ]);
  });

  it('denied within the grace window: never approved, never rendered', async () => {
    const generations = stack.sd.stats().generations;
    const sent = await send(guest, 'grace: denied in time');
    await party.decide(sent.id, 'deny');
    await sleep((GRACE_S + 1.5) * 1000);
    expect(await stored(sent.id)).toMatchObject({ status: 'denied', decisionRule: null, queuedAt: null });
    expect(imageOnDisk(sent.id)).toBe(false);
    expect(stack.sd.stats().generations).toBe(generations);
  });

  it('pictures and flagged prompts are never approved automatically, however long they wait', async () => {
    expect((await settings({ holdWords: ['volcano'] })).status).toBe(200);
    const generations = stack.sd.stats().generations;
    const flagged = await send(guest, 'grace: a VOLC4NO at night');
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#112233' } })
      .png()
      .toBuffer();
    const withPicture = await guest.agent
      .post('/prompts')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', guest.csrf)
      .field('prompt', 'grace: my cat, painted')
      .field('width', '512')
      .field('height', '512')
      .attach('image', png, 'cat.png');
    expect(withPicture.status).toBe(201);
    // Even the host's own picture prompt waits for a person to look at the picture.
    const hostsPicture = await host.agent
      .post('/prompts')
      .set('Accept', JSON_TYPE)
      .set('x-csrf-token', host.csrf)
      .field('prompt', "grace: the host's dog, painted")
      .field('width', '512')
      .field('height', '512')
      .attach('image', png, 'dog.png');
    expect(hostsPicture.body.status).toBe('pending');
    await sleep((GRACE_S + 1.5) * 1000);
    for (const id of [flagged.id, withPicture.body.id as number, hostsPicture.body.id as number]) {
      expect((await stored(id)).status, `#${id}`).toBe('pending');
    }
    expect(stack.sd.stats().generations).toBe(generations);
    // A person looks and approves: then it is rendered.
    await party.decide(withPicture.body.id as number, 'approve');
    await rendered(withPicture.body.id as number);
    for (const id of [flagged.id, hostsPicture.body.id as number]) await party.decide(id, 'deny');
    await settings({ holdWords: [] });
  });

  it('Members and staff: the host’s own prompt at once; a guest’s waits', async () => {
    expect((await settings({ autoApprove: 'members' })).status).toBe(200);
    const own = await send({ ...host, colour: '' } as Guest, 'members: the host sends one');
    expect(own.status).toBe('approved');
    await rendered(own.id);
    expect((await stored(own.id)).decisionRule).toBe('members-and-staff');
    const theirs = await send(guest, 'members: a guest waits');
    await sleep((GRACE_S + 1) * 1000);
    expect((await stored(theirs.id)).status).toBe('pending');
    await party.decide(theirs.id, 'deny');
  });

  it('Trusted guests: once trusted, a guest’s prompts are approved at once and rendered', async () => {
    expect((await settings({ autoApprove: 'trusted' })).status).toBe(200);
    const other = await party.guest('Phone/auto-approve-other');
    const before = await send(other, 'trusted: before trust');
    const otherId = (await stored(before.id)).userId;
    expect(before.status).toBe('pending');
    expect((await post(host, `/admin/users/${otherId}/trust`)).body).toMatchObject({
      trusted: true,
      approvedPromptIds: [before.id],
    });
    const after = await send(other, 'trusted: after trust');
    expect(after.status).toBe('approved');
    await rendered(before.id);
    await rendered(after.id);
    expect((await stored(after.id)).decisionRule).toBe('trusted-guest');
    // An untrusted guest still waits under this mode.
    const untrusted = await send(guest, 'trusted: not this one');
    await sleep(1000);
    expect((await stored(untrusted.id)).status).toBe('pending');
    await settings({ autoApprove: 'off' });
  });
});

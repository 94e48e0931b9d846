import { Logger } from '@nestjs/common';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../../test/pipeline/processes.js';
import { FakeRendererClient } from '../../../../test/support/fake-renderer-client.js';
import { RendererClient, RendererRefusedError } from './renderer.client.js';
import { RendererLink } from './renderer-link.service.js';

/** The link monitor alone, over a fake client: its states, and when it says the link is (back) up. */
describe('RendererLink', () => {
  let link: RendererLink | undefined;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => link?.onApplicationShutdown());

  function start(client: FakeRendererClient) {
    link = new RendererLink(client as unknown as RendererClient);
    const ups: number[] = [];
    let changes = 0;
    link.onUp(() => ups.push(Date.now()));
    link.onChange(() => changes++);
    link.onApplicationBootstrap();
    return { link, ups, changes: () => changes };
  }

  it('connects, keeps the status, and says it is up once', async () => {
    const client = new FakeRendererClient();
    const { link, ups } = start(client);
    await eventually(() => link.connected, Boolean, 3000, 'connected');
    expect(link.view).toMatchObject({ state: 'connected', problem: null, status: { backend: 'preview' } });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(ups).toHaveLength(1);
  });

  it('a drop makes it reconnect, and it says so again when the link is back (so everything is re-sent)', async () => {
    const client = new FakeRendererClient();
    const { link, ups, changes } = start(client);
    await eventually(() => link.connected, Boolean, 3000, 'connected');
    const before = changes();
    client.drop();
    expect(link.view.state).toBe('reconnecting');
    expect(link.view.problem).toMatch(/dropped/);
    expect(changes()).toBeGreaterThan(before);
    client.up = true;
    await eventually(
      () => ups.length,
      (n) => n === 2,
      5000,
      'up again',
    );
    expect(link.view.state).toBe('connected');
  });

  it('starts down while nothing answers, and any part can report a failure', async () => {
    const client = new FakeRendererClient();
    client.up = false;
    const { link } = start(client);
    await eventually(
      () => link.view.state,
      (state) => state === 'down',
      3000,
      'down',
    );
    expect(link.connected).toBe(false);
  });

  it('a refusal (wrong token) is its own state with the reason, not a retry loop that looks like a network fault', async () => {
    const client = new FakeRendererClient();
    const { link } = start(client);
    await eventually(() => link.connected, Boolean, 3000, 'connected');
    link.reportFailure(
      new RendererRefusedError(
        'UNAUTHORIZED',
        'The renderer refused render.status: bad token. Check RENDERER_TOKEN.',
      ),
    );
    expect(link.view).toMatchObject({ state: 'refused', problem: expect.stringContaining('RENDERER_TOKEN') });
    expect(link.connected).toBe(false);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRendererConfig } from '../apps/renderer/src/config/renderer.config.js';
import { createRenderer, type StartedRenderer } from '../apps/renderer/src/setup.js';
import { RendererCatalog } from '../apps/gateway/src/renderer/renderer-catalog.service.js';
import { RendererPool } from '../apps/gateway/src/renderer/renderer-pool.service.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import {
  becomeAdmin,
  browser,
  csrfFrom,
  HTML,
  makeTempDir,
  openHome,
  startGateway,
  type TestGateway,
} from './gateway/harness.js';
import { eventually, freePort } from './pipeline/processes.js';
import { createSelfSignedCertificate } from './support/tls-certificates.js';
import { startRenderStack } from './support/render-stack.js';

const TOKEN = 'link-test-token-0123456789abcdef';

describe('gateway ↔ renderer link (in-process apps, real TCP)', () => {
  const temp = makeTempDir('vernissage-link-');
  const certificate = createSelfSignedCertificate('localhost');
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.toReversed()) await cleanup();
    certificate.cleanup();
    temp.cleanup();
  });

  async function approvedPrompt(gateway: TestGateway, text: string): Promise<number> {
    const guest = browser(gateway.url, `Phone/link-${text}`);
    const { csrf } = await openHome(guest);
    const sent = await guest
      .post('/prompts')
      .set('x-csrf-token', csrf)
      .send({ prompt: text, width: 512, height: 512 });
    expect(sent.status).toBe(201);
    const admin = browser(gateway.url, `Laptop/link-admin-${text}`);
    await openHome(admin);
    await becomeAdmin(gateway, admin);
    const adminCsrf = csrfFrom((await admin.get('/admin').set('Accept', HTML)).text);
    const approved = await admin
      .post(`/admin/prompts/${sent.body.id}/approve`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', adminCsrf);
    expect(approved.status).toBe(200);
    return sent.body.id as number;
  }

  it('serves guests while the renderer is down, then connects over TLS by itself and renders (preview backend)', async () => {
    const port = await freePort();
    const gateway = await startGateway(join(temp.dir, 'tls'), {
      RENDERER_PORT: String(port),
      RENDERER_HOST: 'localhost',
      RENDERER_TOKEN: TOKEN,
      RENDERER_TLS_CA: certificate.certPath,
    });
    cleanups.push(() => gateway.close());
    expect((await browser(gateway.url).get('/').set('Accept', HTML)).status).toBe(200);
    const id = await approvedPrompt(gateway, 'rendered after the renderer comes up');
    const link = gateway.app.get(RendererPool).connections[0].link;
    expect(link.view.state).not.toBe('connected');
    expect((await gateway.app.get(SuggestionQueries).findById(id))!.status).toBe('approved');

    const renderer: StartedRenderer = await createRenderer(
      parseRendererConfig({
        RENDERER_HOST: '127.0.0.1',
        RENDERER_PORT: String(port),
        RENDERER_TOKEN: TOKEN,
        RENDERER_TLS_CERT: certificate.certPath,
        RENDERER_TLS_KEY: certificate.keyPath,
      }),
      { logger: false },
    );
    cleanups.push(() => renderer.close());

    await eventually(
      async () => (await gateway.app.get(SuggestionQueries).findById(id))!.status,
      (status) => status === 'rendered',
      20_000,
      'the prompt to be rendered',
    );
    expect(link.view.state).toBe('connected');
    expect(link.view.status?.backendDescription).toMatch(/Stable Diffusion not connected/);
    expect(await gateway.app.get(RendererCatalog).list()).toMatchObject({
      models: [],
      unavailable: expect.stringMatching(/preview/),
    });
    const metadata = JSON.parse(readFileSync(join(gateway.config.outputDir, `${id}.json`), 'utf8'));
    expect(metadata).toMatchObject({
      id,
      backend: 'preview',
      prompt: 'rendered after the renderer comes up',
    });
    expect(existsSync(join(gateway.config.outputDir, `${id}.png`))).toBe(true);
  }, 40_000);

  it('gets nothing from a renderer that holds another token: the prompt stays approved', async () => {
    const port = await freePort();
    const renderer = await createRenderer(
      parseRendererConfig({
        RENDERER_HOST: '127.0.0.1',
        RENDERER_PORT: String(port),
        RENDERER_TOKEN: `${TOKEN}-other`,
      }),
      { logger: false },
    );
    cleanups.push(() => renderer.close());
    const gateway = await startGateway(join(temp.dir, 'wrong-token'), {
      RENDERER_PORT: String(port),
      RENDERER_TOKEN: TOKEN,
    });
    cleanups.push(() => gateway.close());
    const id = await approvedPrompt(gateway, 'never rendered with a wrong token');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // The renderer answers, but refuses us: the panel says so, naming the setting to fix.
    expect(gateway.app.get(RendererPool).connections[0].link.view).toMatchObject({
      state: 'refused',
      problem: expect.stringContaining('RENDERER_TOKEN'),
    });
    expect((await gateway.app.get(SuggestionQueries).findById(id))!.status).toBe('approved');
    expect(existsSync(join(gateway.config.outputDir, `${id}.png`))).toBe(false);
    expect((await gateway.app.get(RendererCatalog).list()).unavailable).toMatch(/not connected/);
  }, 30_000);

  it("offers SD's own checkpoints, samplers and schedulers on the settings page", async () => {
    const stack = await startRenderStack(join(temp.dir, 'catalog'));
    cleanups.push(() => stack.close());
    const { gateway } = stack;
    const admin = browser(gateway.url, 'Laptop/catalog-host');
    await openHome(admin);
    await becomeAdmin(gateway, admin);
    await eventually(
      () => gateway.app.get(RendererPool).connections[0].link.view.state,
      (state) => state === 'connected',
      10_000,
      'the link',
    );
    const page = await admin.get('/admin/settings').set('Accept', HTML);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<option value="v1-5-pruned-emaonly.safetensors [6ce0161689]">');
    expect(page.text).toContain('<option value="Euler a">');
    expect(page.text).toContain(
      '<datalist id="schedulers"><option value="Automatic"></option><option value="Uniform">',
    );
    expect(page.text).toContain(
      'Models, samplers and schedulers are those your Stable Diffusion server offers.',
    );
  }, 30_000);

  it('shows a set-up problem as a plain pause reason on the renderer panel, and renders once it is fixed', async () => {
    const stack = await startRenderStack(join(temp.dir, 'refused'), {
      sd: { auth: { username: 'party', password: 'right' } },
      rendererEnv: { SD_AUTH: 'party:wrong', RENDER_RETRY_BASE_MS: '20' },
    });
    cleanups.push(() => stack.close());
    const { gateway, sd } = stack;
    const id = await approvedPrompt(gateway, 'a refused lantern');
    const admin = browser(gateway.url, 'Laptop/refused-host');
    await openHome(admin);
    await becomeAdmin(gateway, admin);
    const fragment = await eventually(
      async () => (await admin.get('/admin/fragments/renderer').set('Accept', HTML)).text,
      (html) => html.includes('Paused: Stable Diffusion refused our credentials'),
      10_000,
      'the pause reason on the panel',
    );
    expect(fragment).toContain('check SD_AUTH');
    expect(fragment).toContain('The queue resumes by itself once that is fixed.');
    expect((await gateway.app.get(SuggestionQueries).findById(id))!.status).not.toBe('failed');
    sd.setAuth({ username: 'party', password: 'wrong' });
    await eventually(
      async () => (await gateway.app.get(SuggestionQueries).findById(id))!.status,
      (status) => status === 'rendered',
      15_000,
      'rendered once SD accepts us',
    );
  }, 30_000);
});

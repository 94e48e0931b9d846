import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { RendererPattern, type RenderJob, type RenderResult } from '#contracts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseRendererConfig, RendererConfigError } from '../apps/renderer/src/config/renderer.config.js';
import { createRenderer, type StartedRenderer } from '../apps/renderer/src/setup.js';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { startFakeComfyUi, type FakeComfyUi } from './fakes/fake-comfyui/fake-comfyui.js';
import {
  becomeAdmin,
  browser,
  csrfFrom,
  HTML,
  makeTempDir,
  openHome,
  type Browser,
} from './gateway/harness.js';
import { eventually } from './pipeline/processes.js';
import { createRendererTestClient, type RendererTestClient } from './support/renderer-test-client.js';
import { startComfyStack, type ComfyStack } from './support/render-stack.js';
import { waitFor } from './support/wait-for.js';

const JSON_ACCEPT = 'application/json';
const TOKEN = 'comfy-e2e-token-0123456789abcdef';
const logger = process.env['RENDERER_TEST_LOGS'] ? undefined : (false as const);

/** A workflow another ComfyUI user queues (the default graph, their own settings). */
function otherClientsWorkflow(steps: number) {
  return {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'their prompt', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['4', 1] } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: 1,
        steps,
        cfg: 7,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 1,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'theirs', images: ['8', 0] } },
  };
}

async function picture(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .png()
    .toBuffer();
}

describe('ComfyUI through the real gateway and renderer', () => {
  const temp = makeTempDir('vernissage-comfy-');
  let stack: ComfyStack;
  let guest: Browser;
  let guestCsrf: string;
  let admin: Browser;
  let adminCsrf: string;

  beforeAll(async () => {
    stack = await startComfyStack(temp.dir, {
      rendererEnv: { RENDER_MAX_ATTEMPTS: '2', SD_READ_TIMEOUT_MS: '10000' },
    });
    guest = browser(stack.gateway.url, 'Phone/comfy-guest');
    guestCsrf = (await openHome(guest)).csrf;
    admin = browser(stack.gateway.url, 'Laptop/comfy-host');
    await openHome(admin);
    await becomeAdmin(stack.gateway, admin);
    adminCsrf = csrfFrom((await admin.get('/admin').set('Accept', HTML)).text);
  });
  afterAll(async () => {
    await stack?.close();
    temp.cleanup();
  });
  afterEach(async () => {
    stack.comfy.stepDelayMs = 0;
    await stack.comfy.setMode('normal');
  });

  async function approve(id: number): Promise<void> {
    const approved = await admin
      .post(`/admin/prompts/${id}/approve`)
      .set('Accept', JSON_ACCEPT)
      .set('x-csrf-token', adminCsrf);
    expect(approved.status).toBe(200);
  }

  async function statusOf(id: number) {
    return (await stack.gateway.app.get(SuggestionQueries).findById(id))!;
  }

  it('txt2img: the image and its metadata land in output/, with progress on the admin panel', async () => {
    stack.comfy.stepDelayMs = 120;
    const sent = await guest
      .post('/prompts')
      .set('x-csrf-token', guestCsrf)
      .send({ prompt: 'a lighthouse at dusk, oil painting', width: 512, height: 768 });
    expect(sent.status).toBe(201);
    const id = sent.body.id as number;
    await approve(id);

    // The host watches it render: a real percentage for our prompt, from ComfyUI's per-step messages.
    const current = await waitFor(
      async () => {
        const panel = await admin.get('/admin/renderer').set('Accept', JSON_ACCEPT);
        const now = panel.body.current;
        return now && now.suggestionId === id && now.percent > 0 && !now.waitingOnSd ? now : null;
      },
      'progress of the prompt on the renderer panel',
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(current.percent).toBeLessThanOrEqual(100);
    await eventually(
      async () => (await statusOf(id)).status,
      (s) => s === 'rendered',
      20_000,
      'rendered',
    );

    const { outputDir } = stack.gateway.config;
    const png = PNG.sync.read(readFileSync(join(outputDir, `${id}.png`)));
    expect([png.width, png.height]).toEqual([512, 768]);
    const meta = JSON.parse(readFileSync(join(outputDir, `${id}.json`), 'utf8')) as {
      backend: string;
      seed: number;
      sd: Record<string, unknown>;
    };
    expect(meta.backend).toBe('comfyui');
    // The default settings' A1111 names, as ComfyUI names them; the model is its first checkpoint.
    expect(meta.sd).toMatchObject({
      seed: meta.seed,
      sampler_name: 'dpmpp_2m',
      scheduler: 'karras',
      sd_model_name: 'v1-5-pruned-emaonly.safetensors',
      steps: 20,
      workflow: 'built-in',
    });
    const posted = stack.comfy.requests.filter((r) => r.path === '/prompt' && r.method === 'POST');
    const body = posted.at(-1)!.body as {
      prompt: Record<string, { inputs: Record<string, unknown> }>;
      client_id: string;
      prompt_id: string;
    };
    expect(body.client_id).toMatch(/^vernissage-/);
    expect(body.prompt_id).toBe(meta.sd['comfy_prompt_id']);
    expect(body.prompt['6']!.inputs['text']).toBe('a lighthouse at dusk, oil painting');
    expect(body.prompt['3']!.inputs).toMatchObject({ seed: meta.seed, steps: 20, cfg: 7 });
  });

  it("img2img: the guest's picture arrives in ComfyUI's input folder and is the one sampled from", async () => {
    const sent = await guest
      .post('/prompts')
      .set('Accept', JSON_ACCEPT)
      .set('x-csrf-token', guestCsrf)
      .field('prompt', 'the same, as a watercolour')
      .field('width', '512')
      .field('height', '512')
      .attach('image', await picture(800, 600), 'holiday.png');
    expect(sent.status).toBe(201);
    const id = sent.body.id as number;
    const { uploadDir, outputDir } = stack.gateway.config;
    const upload = readFileSync(join(uploadDir, (await statusOf(id)).pictureFile!));
    await approve(id);
    await eventually(
      async () => (await statusOf(id)).status,
      (s) => s === 'rendered',
      20_000,
      'rendered',
    );

    expect(stack.comfy.inputFiles.get(`vernissage/guest-${id}.png`)?.equals(upload)).toBe(true);
    const posted = stack.comfy.requests.filter((r) => r.path === '/prompt').at(-1)!.body as {
      prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    };
    const load = Object.values(posted.prompt).find((node) => node.class_type === 'LoadImage');
    expect(load?.inputs['image']).toBe(`vernissage/guest-${id}.png`);
    const sampler = Object.values(posted.prompt).find((node) => node.class_type === 'KSampler');
    expect(sampler?.inputs['denoise']).toBe(0.6);
    const png = PNG.sync.read(readFileSync(join(outputDir, `${id}.png`)));
    expect([png.width, png.height]).toEqual([512, 512]);
  });

  it("offers ComfyUI's own checkpoints, samplers and schedulers on the settings page", async () => {
    const page = await admin.get('/admin/settings').set('Accept', HTML);
    expect(page.text).toContain('<option value="sd_xl_base_1.0.safetensors"></option>');
    expect(page.text).toContain('<option value="dpmpp_2m"></option>');
    expect(page.text).toContain('<option value="karras"></option>');
    expect(page.text).toContain(
      'Models, samplers and schedulers are those your Stable Diffusion server offers.',
    );
  });

  it("while another client's prompt runs, the panel says ours waits, with none of their progress", async () => {
    stack.comfy.stepDelayMs = 40;
    const theirs = stack.comfy.submit(otherClientsWorkflow(80), 'someone-else');
    const sent = await guest
      .post('/prompts')
      .set('x-csrf-token', guestCsrf)
      .send({ prompt: 'a patient heron', width: 512, height: 512 });
    const id = sent.body.id as number;
    await approve(id);
    const fragment = await waitFor(
      async () => {
        const html = (await admin.get('/admin/fragments/renderer').set('Accept', HTML)).text;
        return html.includes(`Sent to Stable Diffusion #${id}`) ? html : null;
      },
      'our prompt on the panel',
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(fragment).toContain('Waiting for Stable Diffusion: it is busy with other work first.');
    expect(fragment).toContain('<progress max="100" value="0"');
    await eventually(
      async () => (await statusOf(id)).status,
      (s) => s === 'rendered',
      20_000,
      'rendered',
    );
    expect(stack.comfy.outcomeOf(theirs)).toBe('success');
    // Ours ran after theirs, on its own: the shared queue's order, untouched.
    const order = stack.comfy.finished.map((f) => f.clientId);
    expect(order.lastIndexOf('someone-else')).toBe(order.length - 2);
  });

  it('out of memory: retried, then failed visibly with the reason on the panel', async () => {
    await stack.comfy.setMode('oom');
    const sent = await guest
      .post('/prompts')
      .set('x-csrf-token', guestCsrf)
      .send({ prompt: 'an enormous cathedral', width: 512, height: 512 });
    const id = sent.body.id as number;
    await approve(id);
    await eventually(
      async () => (await statusOf(id)).status,
      (s) => s === 'failed',
      20_000,
      'failed',
    );
    const panel = await admin.get('/admin/renderer').set('Accept', JSON_ACCEPT);
    const failed = (panel.body.failed as { id: number; reason: string }[]).find((f) => f.id === id);
    expect(failed?.reason).toMatch(/^ComfyUI ran out of memory in KSampler/);
    expect(failed?.reason).toContain('(gave up after 2 attempts)');
    const ours = stack.comfy.finished.filter((f) => f.outcome === 'error');
    expect(ours).toHaveLength(2);
  });

  it('ComfyUI down: the queue waits (panel says so) and renders by itself when it is back', async () => {
    await stack.comfy.setMode('refuse');
    const sent = await guest
      .post('/prompts')
      .set('x-csrf-token', guestCsrf)
      .send({ prompt: 'a quiet harbour', width: 512, height: 512 });
    const id = sent.body.id as number;
    await approve(id);
    const waiting = await waitFor(
      async () => {
        const panel = await admin.get('/admin/renderer').set('Accept', JSON_ACCEPT);
        return panel.body.waitingForSd ? panel.body : null;
      },
      'the panel to show the queue waiting for SD',
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(waiting.sdError).toContain('connection refused');
    expect((await statusOf(id)).status).not.toBe('failed');
    await stack.comfy.setMode('normal');
    await eventually(
      async () => (await statusOf(id)).status,
      (s) => s === 'rendered',
      20_000,
      'rendered',
    );
    expect(existsSync(join(stack.gateway.config.outputDir, `${id}.png`))).toBe(true);
  });
});

describe('ComfyUI shared with another client: the renderer stops only its own prompts', () => {
  let comfy: FakeComfyUi;
  let renderer: StartedRenderer;
  let client: RendererTestClient;
  let next = 5000;
  const job = (): RenderJob => ({
    suggestionId: next++,
    prompt: 'a lantern festival',
    width: 256,
    height: 256,
    settings: {
      steps: 10,
      cfgScale: 6,
      sampler: 'euler',
      scheduler: 'normal',
      negativePrompt: '',
      model: '',
    },
    colourHex: '#aa3300',
  });

  beforeAll(async () => {
    comfy = await startFakeComfyUi({ stepDelayMs: 30 });
    renderer = await createRenderer(
      parseRendererConfig({
        RENDERER_PORT: '0',
        RENDERER_TOKEN: TOKEN,
        SD_BACKEND: 'comfyui',
        SD_URL: comfy.url,
        RENDER_PROGRESS_INTERVAL_MS: '50',
      }),
      { logger },
    );
    client = createRendererTestClient({ port: renderer.port, token: TOKEN });
  });
  afterAll(async () => {
    await client?.close();
    await renderer?.close();
    await comfy?.close();
  });

  it('cancels a prompt pending behind another client by deleting it, and a running one by its id', async () => {
    const theirs = comfy.submit(otherClientsWorkflow(30), 'someone-else');
    await waitFor(() => comfy.runningPromptId === theirs, "the other client's prompt running");
    const [queued, running] = [job(), job()];
    await client.call(RendererPattern.Enqueue, { jobs: [queued, running] });
    // Ours waits in ComfyUI's queue behind theirs; the panel must not show their progress as ours.
    const waiting = await waitFor(async () => {
      const status = await client.call(RendererPattern.Status, {});
      return status.current?.suggestionId === queued.suggestionId && comfy.pendingPromptIds.length === 1
        ? status.current
        : null;
    }, 'our first prompt pending on ComfyUI');
    expect(waiting).toMatchObject({ phase: 'waiting', percent: 0 });
    const ourPending = comfy.pendingPromptIds[0]!;
    await expect(client.call(RendererPattern.Cancel, { suggestionId: queued.suggestionId })).resolves.toEqual(
      {
        cancelled: true,
      },
    );
    await waitFor(() => !comfy.pendingPromptIds.includes(ourPending), 'our prompt deleted from the queue');
    expect(comfy.runningPromptId).toBe(theirs);

    // The second job goes to ComfyUI, runs after theirs, and is cancelled while it runs.
    const theirsNext = comfy.submit(otherClientsWorkflow(5), 'someone-else');
    await waitFor(
      async () => {
        const status = await client.call(RendererPattern.Status, {});
        return status.current?.suggestionId === running.suggestionId && status.current.phase === 'rendering';
      },
      'our second prompt rendering',
      { timeoutMs: 10_000 },
    );
    const ourRunning = comfy.runningPromptId!;
    await client.call(RendererPattern.Cancel, { suggestionId: running.suggestionId });
    await waitFor(() => comfy.outcomeOf(ourRunning) === 'interrupted', 'our running prompt interrupted');
    await waitFor(() => comfy.outcomeOf(theirsNext) !== undefined, "the other client's next prompt done");

    expect(comfy.outcomeOf(theirs)).toBe('success');
    expect(comfy.outcomeOf(theirsNext)).toBe('success');
    expect(comfy.outcomeOf(ourPending)).toBeUndefined();
    // Never the global interrupt: every one named our running prompt.
    expect(comfy.interrupts.length).toBeGreaterThan(0);
    expect(new Set(comfy.interrupts)).toEqual(new Set([ourPending, ourRunning]));
    const { results } = await client.call(RendererPattern.Results, { waitMs: 0, max: 10 });
    expect(results).toEqual([]);
  });

  it('fails a job whose sampler ComfyUI does not have, at once, naming its own', async () => {
    const bad = { ...job(), settings: { ...job().settings, sampler: 'DPM++ 2M Turbo' } };
    await client.call(RendererPattern.Enqueue, { jobs: [bad] });
    const result = await waitFor(async () => {
      const { results } = await client.call(RendererPattern.Results, { waitMs: 500, max: 10 });
      return results.find((r) => r.suggestionId === bad.suggestionId) as RenderResult | undefined;
    }, 'the failed result');
    expect(result).toMatchObject({ status: 'failed', attempts: 1 });
    expect((result as { reason: string }).reason).toMatch(
      /^The sampler "DPM\+\+ 2M Turbo" is not offered by this ComfyUI; choose one of its own in Settings: euler, /,
    );
    await client.call(RendererPattern.Ack, { suggestionIds: [bad.suggestionId] });
  });
});

describe('a host ComfyUI workflow', () => {
  const temp = makeTempDir('vernissage-workflow-');
  afterAll(() => temp.cleanup());

  it('an invalid one stops the renderer at start with a message naming what is missing', async () => {
    const file = join(temp.dir, 'portrait.json');
    writeFileSync(
      file,
      JSON.stringify({
        '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: '{{model}}' } },
        '6': { class_type: 'CLIPTextEncode', inputs: { text: 'portrait of {{prompt}}', clip: ['4', 1] } },
        '3': { class_type: 'KSampler', inputs: { seed: '{{seed}}', steps: 30, cfg: '{{cfg}}' } },
        '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'x', images: ['3', 0] } },
      }),
    );
    const start = async () =>
      createRenderer(
        parseRendererConfig({
          RENDERER_PORT: '0',
          RENDERER_TOKEN: TOKEN,
          SD_BACKEND: 'comfyui',
          COMFY_WORKFLOW_TXT2IMG: file,
        }),
        { logger },
      );
    const error = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RendererConfigError);
    expect((error as Error).message).toContain(
      `COMFY_WORKFLOW_TXT2IMG (${file}) lacks the placeholders {{negative_prompt}}, {{steps}}, {{sampler}}, {{scheduler}}, {{width}}, {{height}}`,
    );
  });

  it('a valid one is what ComfyUI receives, filled in', async () => {
    const comfy = await startFakeComfyUi();
    const file = join(temp.dir, 'mine.json');
    const mine = otherClientsWorkflow(1) as Record<
      string,
      { class_type: string; inputs: Record<string, unknown> }
    >;
    mine['4']!.inputs['ckpt_name'] = '{{model}}';
    mine['5']!.inputs = { width: '{{width}}', height: '{{height}}', batch_size: 1 };
    mine['6']!.inputs['text'] = '{{prompt}}, studio light';
    mine['7']!.inputs['text'] = '{{negative_prompt}}';
    Object.assign(mine['3']!.inputs, {
      seed: '{{seed}}',
      steps: '{{steps}}',
      cfg: '{{cfg}}',
      sampler_name: '{{sampler}}',
      scheduler: '{{scheduler}}',
    });
    writeFileSync(file, JSON.stringify(mine));
    const renderer = await createRenderer(
      parseRendererConfig({
        RENDERER_PORT: '0',
        RENDERER_TOKEN: TOKEN,
        SD_BACKEND: 'comfyui',
        SD_URL: comfy.url,
        COMFY_WORKFLOW_TXT2IMG: file,
      }),
      { logger },
    );
    const client = createRendererTestClient({ port: renderer.port, token: TOKEN });
    try {
      const job: RenderJob = {
        suggestionId: 77,
        prompt: 'a cat',
        width: 320,
        height: 256,
        settings: {
          steps: 4,
          cfgScale: 5,
          sampler: 'Euler a',
          scheduler: 'Karras',
          negativePrompt: 'dog',
          model: '',
        },
        colourHex: '#123456',
      };
      await client.call(RendererPattern.Enqueue, { jobs: [job] });
      const result = await waitFor(async () => {
        const { results } = await client.call(RendererPattern.Results, { waitMs: 500, max: 10 });
        return results.find((r) => r.suggestionId === 77);
      }, 'the result');
      expect(result).toMatchObject({ status: 'rendered', backend: 'comfyui' });
      const sent = comfy.requests.find((r) => r.path === '/prompt')!.body as {
        prompt: Record<string, { inputs: Record<string, unknown> }>;
      };
      expect(sent.prompt['6']!.inputs['text']).toBe('a cat, studio light');
      expect(sent.prompt['3']!.inputs).toMatchObject({
        steps: 4,
        cfg: 5,
        sampler_name: 'euler_ancestral',
        scheduler: 'karras',
      });
      expect(sent.prompt['5']!.inputs).toMatchObject({ width: 320, height: 256 });
      // Their fixed file name prefix: the image is found from the history, not guessed.
      expect([...comfy.outputFiles.keys()]).toEqual(['theirs_00001_.png']);
    } finally {
      await client.close();
      await renderer.close();
      await comfy.close();
    }
  });
});

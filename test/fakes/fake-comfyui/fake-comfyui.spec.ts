import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { callJson, waitFor } from '../fake-a1111/testkit.js';
import { startFakeComfyUi, type FakeComfyUi } from './fake-comfyui.js';

const fakes: FakeComfyUi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});
async function start(stepDelayMs = 0): Promise<FakeComfyUi> {
  const fake = await startFakeComfyUi({ stepDelayMs });
  fakes.push(fake);
  return fake;
}

function graph(steps = 3, ckpt = 'v1-5-pruned-emaonly.safetensors') {
  return {
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: ckpt } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 100, height: 64, batch_size: 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a fox', clip: ['4', 1] } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: 5,
        steps,
        cfg: 7,
        sampler_name: 'euler',
        scheduler: 'normal',
        denoise: 1,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['6', 0],
        latent_image: ['5', 0],
      },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'party/x', images: ['8', 0] } },
  };
}

function listen(
  url: string,
  clientId: string,
): Promise<{ messages: { type: string; data: Record<string, unknown> }[]; close: () => void }> {
  const messages: { type: string; data: Record<string, unknown> }[] = [];
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws?clientId=${clientId}`);
  ws.on('message', (raw) => messages.push(JSON.parse(raw.toString()) as (typeof messages)[number]));
  return new Promise((resolve) => ws.on('open', () => resolve({ messages, close: () => ws.close() })));
}

describe('fake ComfyUI', () => {
  it('validates before queueing, as ComfyUI answers', async () => {
    const fake = await start();
    const bad = await callJson<{
      error: { type: string };
      node_errors: Record<string, { errors: { type: string; details: string }[] }>;
    }>(`${fake.url}/prompt`, { body: { prompt: graph(0, 'nope.safetensors') } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe('prompt_outputs_failed_validation');
    expect(bad.body.node_errors['4']!.errors[0]).toMatchObject({
      type: 'value_not_in_list',
      details:
        "ckpt_name: 'nope.safetensors' not in ['v1-5-pruned-emaonly.safetensors', 'sd_xl_base_1.0.safetensors']",
    });
    expect(bad.body.node_errors['3']!.errors[0]).toMatchObject({ type: 'value_smaller_than_min' });
    expect((await callJson(`${fake.url}/prompt`, { body: {} })).status).toBe(400);
    expect(fake.pendingPromptIds).toEqual([]);
  });

  it('runs a prompt: per-step progress to its client, history, /view, then executing null', async () => {
    const fake = await start(5);
    const socket = await listen(fake.url, 'me');
    const posted = await callJson<{ prompt_id: string; number: number }>(`${fake.url}/api/prompt`, {
      body: { prompt: graph(3), client_id: 'me', prompt_id: 'mine-1' },
    });
    expect(posted.body).toMatchObject({ prompt_id: 'mine-1', number: 0 });
    await waitFor(
      () => socket.messages.find((m) => m.type === 'executing' && m.data['node'] === null) ?? undefined,
    );
    const types = socket.messages.filter((m) => m.data['prompt_id'] === 'mine-1').map((m) => m.type);
    expect(types.filter((t) => t === 'progress')).toHaveLength(3);
    expect(types.indexOf('execution_start')).toBeLessThan(types.indexOf('progress'));
    expect(types.at(-1)).toBe('executing');
    const history = await callJson<
      Record<string, { outputs: Record<string, { images: { filename: string; subfolder: string }[] }> }>
    >(`${fake.url}/history/mine-1`);
    const image = history.body['mine-1']!.outputs['9']!.images[0]!;
    expect(image).toEqual({ filename: 'x_00001_.png', subfolder: 'party', type: 'output' });
    const view = await fetch(`${fake.url}/view?filename=${image.filename}&subfolder=party&type=output`);
    expect(view.status).toBe(200);
    // 100 → 96: latents are 8 pixels.
    const png = Buffer.from(await view.arrayBuffer());
    expect(png.readUInt32BE(16)).toBe(96);
    socket.close();
  });

  it('interrupt by prompt_id stops only that prompt while it runs; the bare form stops whatever runs', async () => {
    const fake = await start(20);
    const theirs = fake.submit(graph(20), 'them');
    const mine = fake.submit(graph(20), 'me');
    await waitFor(() => (fake.runningPromptId === theirs ? true : undefined));
    await callJson(`${fake.url}/interrupt`, { body: { prompt_id: mine } });
    await waitFor(() => fake.outcomeOf(theirs));
    expect(fake.outcomeOf(theirs)).toBe('success');
    await waitFor(() => (fake.runningPromptId === mine ? true : undefined));
    await fetch(`${fake.url}/interrupt`, { method: 'POST' });
    await waitFor(() => fake.outcomeOf(mine));
    expect(fake.outcomeOf(mine)).toBe('interrupted');
    expect(fake.interrupts).toEqual([mine, null]);
  });

  it('deletes only pending prompts from the queue, and uploads dedupe by content', async () => {
    const fake = await start(20);
    const running = fake.submit(graph(10), 'them');
    const pending = fake.submit(graph(10), 'me');
    await waitFor(() => (fake.runningPromptId === running ? true : undefined));
    await callJson(`${fake.url}/queue`, { body: { delete: [running, pending] } });
    expect(fake.pendingPromptIds).toEqual([]);
    expect(fake.runningPromptId).toBe(running);

    const upload = async (bytes: string) => {
      const form = new FormData();
      form.append('image', new Blob([bytes]), 'guest.png');
      form.append('subfolder', 'vernissage');
      const res = await fetch(`${fake.url}/upload/image`, { method: 'POST', body: form });
      return res.json() as Promise<{ name: string }>;
    };
    expect((await upload('one')).name).toBe('guest.png');
    expect((await upload('one')).name).toBe('guest.png');
    expect((await upload('two')).name).toBe('guest (1).png');
  });
});

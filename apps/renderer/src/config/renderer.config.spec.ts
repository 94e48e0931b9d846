import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RENDERER_MAX_FRAME_BYTES } from '#contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { RendererConfigError, parseRendererConfig } from './renderer.config.js';

const dir = mkdtempSync(join(tmpdir(), 'renderer-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const token = 'a-long-enough-test-token';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseRendererConfig(env);
  } catch (error) {
    if (error instanceof RendererConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('parseRendererConfig', () => {
  it('applies the documented defaults: loopback, port 4001, preview backend', () => {
    expect(parseRendererConfig({ RENDERER_TOKEN: token })).toEqual({
      host: '127.0.0.1',
      port: 4001,
      token,
      maxFrameBytes: RENDERER_MAX_FRAME_BYTES,
      authTimeoutMs: 5000,
      maxConnections: 64,
      sdUrl: null,
      sdBackend: 'preview',
      sdFlavour: 'auto',
      sdShared: false,
      sdModelMismatch: 'fail',
      comfyWorkflows: { txt2img: null, img2img: null },
      sdAuth: null,
      sdConnectTimeoutMs: 5000,
      sdReadTimeoutMs: 600_000,
      renderMaxAttempts: 4,
      renderRetryBaseMs: 1000,
      progressIntervalMs: 500,
      tls: null,
      workers: [{ backend: 'preview', url: null, flavour: 'auto' }],
    });
  });

  it('reads several SD servers: one worker each, a single backend or flavour applying to all', () => {
    const config = parseRendererConfig({
      RENDERER_TOKEN: token,
      SD_URL: 'http://127.0.0.1:7860/, http://127.0.0.1:7861',
      SD_FLAVOUR: 'forge',
    });
    expect(config.workers).toEqual([
      { backend: 'a1111', url: 'http://127.0.0.1:7860', flavour: 'forge' },
      { backend: 'a1111', url: 'http://127.0.0.1:7861', flavour: 'forge' },
    ]);
    expect(config).toMatchObject({ sdUrl: 'http://127.0.0.1:7860', sdBackend: 'a1111', sdFlavour: 'forge' });
    expect(
      parseRendererConfig({
        RENDERER_TOKEN: token,
        SD_URL: 'http://gpu-a:7860,http://gpu-b:8188',
        SD_BACKEND: 'a1111,comfyui',
        SD_FLAVOUR: 'sdnext,auto',
      }).workers,
    ).toEqual([
      { backend: 'a1111', url: 'http://gpu-a:7860', flavour: 'sdnext' },
      { backend: 'comfyui', url: 'http://gpu-b:8188', flavour: 'auto' },
    ]);
    // Without SD_URL each backend has its default address; the preview backend takes none.
    expect(parseRendererConfig({ RENDERER_TOKEN: token, SD_BACKEND: 'comfyui,a1111' }).workers).toEqual([
      { backend: 'comfyui', url: 'http://127.0.0.1:8188', flavour: 'auto' },
      { backend: 'a1111', url: 'http://127.0.0.1:7860', flavour: 'auto' },
    ]);
    expect(
      parseRendererConfig({ RENDERER_TOKEN: token, SD_BACKEND: 'preview,preview' }).workers,
    ).toHaveLength(2);
  });

  it('refuses lists that do not pair up, a server listed twice, and names the bad entry', () => {
    expect(
      problemsOf({
        RENDERER_TOKEN: token,
        SD_URL: 'http://a:1,http://b:2,http://c:3',
        SD_BACKEND: 'a1111,comfyui',
      }),
    ).toEqual([
      'SD_BACKEND lists 2 backends but SD_URL lists 3 servers: give one backend for all, or one per server',
    ]);
    expect(problemsOf({ RENDERER_TOKEN: token, SD_URL: 'http://a:1,http://a:1/' })).toEqual([
      'SD_URL lists http://a:1 twice: each server does one job at a time, so list it once',
    ]);
    expect(problemsOf({ RENDERER_TOKEN: token, SD_URL: 'http://a:1,ftp://b' })).toEqual([
      'SD_URL (entry 2) must be an http:// or https:// URL, e.g. http://127.0.0.1:7860',
    ]);
    expect(
      problemsOf({
        RENDERER_TOKEN: token,
        SD_URL: 'http://a:1,http://b:2',
        SD_FLAVOUR: 'a1111,forge,sdnext',
      }),
    ).toEqual(['SD_FLAVOUR lists 3 flavours for 2 servers: give one for all, or one per server']);
  });

  it('refuses a port that is not a number in one line naming the variable', () => {
    expect(() => parseRendererConfig({ RENDERER_TOKEN: token, RENDERER_PORT: 'abc' })).toThrow(
      new RendererConfigError(['RENDERER_PORT must be a whole number between 0 and 65535']),
    );
    expect(new RendererConfigError(['A', 'B']).message).toBe('Invalid renderer configuration: A; B.');
  });

  it('reads SD settings; a password may contain a colon', () => {
    const config = parseRendererConfig({
      RENDERER_TOKEN: token,
      RENDERER_PORT: '0',
      SD_URL: 'http://gpu.local:7860/',
      SD_AUTH: 'party:pa:ss',
      SD_CONNECT_TIMEOUT_MS: '250',
      RENDER_MAX_ATTEMPTS: '2',
    });
    expect(config).toMatchObject({
      port: 0,
      sdUrl: 'http://gpu.local:7860',
      sdAuth: { username: 'party', password: 'pa:ss' },
      sdBackend: 'a1111',
      sdConnectTimeoutMs: 250,
      renderMaxAttempts: 2,
    });
  });

  it('picks the backend, its default port, the flavour and the sharing rules', () => {
    expect(parseRendererConfig({ RENDERER_TOKEN: token, SD_BACKEND: 'comfyui' })).toMatchObject({
      sdBackend: 'comfyui',
      sdUrl: 'http://127.0.0.1:8188',
    });
    expect(
      parseRendererConfig({
        RENDERER_TOKEN: token,
        SD_URL: 'http://gpu:7860',
        SD_FLAVOUR: 'SDNext',
        SD_SHARED: 'on',
        SD_MODEL_MISMATCH: 'warn',
      }),
    ).toMatchObject({ sdBackend: 'a1111', sdFlavour: 'sdnext', sdShared: true, sdModelMismatch: 'warn' });
    expect(
      problemsOf({
        RENDERER_TOKEN: token,
        SD_BACKEND: 'invoke',
        SD_FLAVOUR: 'fooocus',
        SD_SHARED: 'maybe',
      }).map((p) => p.split(' ')[0]),
    ).toEqual(['SD_BACKEND', 'SD_FLAVOUR', 'SD_SHARED']);
  });

  it('reads a host ComfyUI workflow and refuses one that lacks placeholders, naming each', () => {
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({
        '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: '{{model}}' } },
        '2': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}, film grain', clip: ['1', 1] } },
        '3': { class_type: 'CLIPTextEncode', inputs: { text: '{{negative_prompt}}', clip: ['1', 1] } },
        '4': {
          class_type: 'EmptyLatentImage',
          inputs: { width: '{{width}}', height: '{{height}}', batch_size: 1 },
        },
        '5': {
          class_type: 'KSampler',
          inputs: {
            seed: '{{seed}}',
            steps: '{{steps}}',
            cfg: '{{cfg}}',
            sampler_name: '{{sampler}}',
            scheduler: '{{scheduler}}',
          },
        },
        '6': { class_type: 'SaveImage', inputs: { filename_prefix: 'party', images: ['5', 0] } },
      }),
    );
    const config = parseRendererConfig({
      RENDERER_TOKEN: token,
      SD_BACKEND: 'comfyui',
      COMFY_WORKFLOW_TXT2IMG: good,
    });
    expect(config.comfyWorkflows.txt2img?.['5']?.class_type).toBe('KSampler');

    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'fixed.safetensors' } },
        '5': { class_type: 'KSampler', inputs: { seed: 'x {{seed}}', steps: '{{steps}}' } },
        '6': { class_type: 'PreviewImage', inputs: { images: ['5', 0] } },
      }),
    );
    expect(problemsOf({ RENDERER_TOKEN: token, SD_BACKEND: 'comfyui', COMFY_WORKFLOW_IMG2IMG: bad })).toEqual(
      [
        `COMFY_WORKFLOW_IMG2IMG (${bad}) node "5" input "seed": {{seed}} must be the whole value ("seed": "{{seed}}")`,
        `COMFY_WORKFLOW_IMG2IMG (${bad}) lacks the placeholders {{prompt}}, {{negative_prompt}}, {{cfg}}, {{sampler}}, {{scheduler}}, {{width}}, {{height}}, {{model}}, {{init_image}}`,
      ],
    );
    writeFileSync(bad, JSON.stringify({ nodes: [], links: [] }));
    expect(
      problemsOf({ RENDERER_TOKEN: token, SD_BACKEND: 'comfyui', COMFY_WORKFLOW_TXT2IMG: bad })[0],
    ).toContain('not the API format');
    expect(
      problemsOf({ RENDERER_TOKEN: token, SD_URL: 'http://gpu:7860', COMFY_WORKFLOW_TXT2IMG: good }),
    ).toEqual(['COMFY_WORKFLOW_TXT2IMG is set but SD_BACKEND is not comfyui']);
  });

  it('creates the shared token file when no token is configured, then reuses it', () => {
    const file = join(dir, 'db', 'renderer.token');
    const first = parseRendererConfig({ RENDERER_TOKEN_FILE: file });
    expect(first.token.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    expect(parseRendererConfig({ RENDERER_TOKEN_FILE: file }).token).toBe(first.token);
  });

  it('refuses bad values, naming every variable at fault', () => {
    const problems = problemsOf({
      RENDERER_TOKEN: token,
      RENDERER_PORT: 'eighty',
      SD_URL: 'ftp://gpu',
      RENDER_MAX_ATTEMPTS: '0',
      SD_READ_TIMEOUT_MS: '1.5',
    });
    expect(problems.map((p) => p.split(' ')[0]).sort()).toEqual([
      'RENDERER_PORT',
      'RENDER_MAX_ATTEMPTS',
      'SD_READ_TIMEOUT_MS',
      'SD_URL',
    ]);
  });

  it('never echoes a secret in its complaints', () => {
    const problems = problemsOf({ RENDERER_TOKEN: 'short-secret', SD_AUTH: 'nocolon' });
    expect(problems.join('\n')).toContain('RENDERER_TOKEN');
    expect(problems.join('\n')).toContain('SD_AUTH');
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(problems.join('\n')).not.toContain('nocolon');
  });

  it('needs both TLS files, and reads them', () => {
    expect(problemsOf({ RENDERER_TOKEN: token, RENDERER_TLS_CERT: '/nope.pem' })[0]).toMatch(
      /^RENDERER_TLS_CERT and RENDERER_TLS_KEY/,
    );
    expect(
      problemsOf({
        RENDERER_TOKEN: token,
        RENDERER_TLS_CERT: '/nope/cert.pem',
        RENDERER_TLS_KEY: '/nope/key.pem',
      }),
    ).toEqual([
      expect.stringMatching(/^RENDERER_TLS_CERT cannot be read: ENOENT/),
      expect.stringMatching(/^RENDERER_TLS_KEY cannot be read: ENOENT/),
    ]);
    writeFileSync(join(dir, 'cert.pem'), 'CERT');
    writeFileSync(join(dir, 'key.pem'), 'KEY');
    const config = parseRendererConfig({
      RENDERER_TOKEN: token,
      RENDERER_TLS_CERT: join(dir, 'cert.pem'),
      RENDERER_TLS_KEY: join(dir, 'key.pem'),
    });
    expect(config.tls).toEqual({ cert: 'CERT', key: 'KEY' });
  });
});

import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionQueries } from '../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import {
  becomeAdmin,
  browser,
  csrfFrom,
  HTML,
  makeTempDir,
  openHome,
  startGateway,
  type Browser,
  type TestGateway,
} from './gateway/harness.js';
import { startRenderStack } from './support/render-stack.js';
import { eventually } from './pipeline/processes.js';

const JSON_ACCEPT = 'application/json';

async function picture(width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: '#3366aa' } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg().toBuffer();
}

describe('image prompts (img2img): upload, content check, safe URL fetch', () => {
  const temp = makeTempDir('vernissage-images-');
  const cleanups: (() => Promise<void> | void)[] = [];
  let gateway: TestGateway;
  let guest: Browser;
  let csrf: string;

  beforeAll(async () => {
    gateway = await startGateway(join(temp.dir, 'main'), {
      MAX_PENDING_PER_GUEST: '100',
      SUBMISSIONS_PER_MINUTE: '1000',
    });
    cleanups.push(() => gateway.close());
    guest = browser(gateway.url, 'Phone/images-guest');
    ({ csrf } = await openHome(guest));
  });
  afterAll(async () => {
    for (const cleanup of cleanups.toReversed()) await cleanup();
    temp.cleanup();
  });

  const countOwn = async (): Promise<number> => {
    const repository = gateway.app.get(SuggestionQueries);
    const me = await guest.get('/').set('Accept', HTML);
    const userId = Number(/data-user-id="(\d+)"/.exec(me.text)![1]);
    return (await repository.listOwn(userId, 1000)).length;
  };

  it('shows the Picture and Picture URL fields on a multipart form', async () => {
    const { html } = await openHome(guest);
    expect(html).toContain('enctype="multipart/form-data"');
    expect(html).toMatch(
      /<label for="picture">Picture<\/label>\s*<input id="picture" name="image" type="file" accept="image\/\*"/,
    );
    expect(html).toMatch(/<label for="picture-url">Picture URL<\/label>/);
  });

  it.each([['png' as const], ['jpeg' as const]])(
    'stores an uploaded %s as PNG, resized to the prompt size, outside any public folder',
    async (format) => {
      const sent = await guest
        .post('/prompts')
        .set('Accept', JSON_ACCEPT)
        .query({ _csrf: csrf })
        .field('prompt', `a ${format} lighthouse`)
        .field('width', '512')
        .field('height', '768')
        .attach('image', await picture(1000, 600, format), `holiday.${format === 'png' ? 'png' : 'jpg'}`);
      expect(sent.status).toBe(201);
      const stored = await gateway.app.get(SuggestionQueries).findById(sent.body.id);
      // A fresh random name, recorded in the same statement that created the suggestion.
      expect(stored!.pictureFile).toMatch(/^[0-9a-f-]{36}\.png$/);
      const file = join(gateway.config.uploadDir, stored!.pictureFile!);
      expect(gateway.config.uploadDir).toBe(join(temp.dir, 'main', 'uploads'));
      const metadata = await sharp(readFileSync(file)).metadata();
      expect(metadata).toMatchObject({ format: 'png', width: 512, height: 768 });
      // Nothing serves the upload folder.
      expect((await guest.get(`/public/${stored!.pictureFile}`)).status).toBe(404);
      expect((await guest.get(`/uploads/${stored!.pictureFile}`)).status).toBe(404);
    },
  );

  it('accepts the HTML form with a picture and redirects like the plain form', async () => {
    const sent = await guest
      .post('/prompts')
      .set('Accept', HTML)
      .query({ _csrf: csrf })
      .field('prompt', 'from the form')
      .field('width', '512')
      .field('height', '512')
      .attach('image', await picture(300, 300), 'p.png');
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe('/#your-prompts');
  });

  it('still takes multipart, urlencoded and JSON prompts without a picture', async () => {
    const multipart = await guest
      .post('/prompts')
      .set('Accept', JSON_ACCEPT)
      .query({ _csrf: csrf })
      .field('prompt', 'no picture, multipart')
      .field('width', '512')
      .field('height', '512');
    expect(multipart.status).toBe(201);
    const json = await guest
      .post('/prompts')
      .set('x-csrf-token', csrf)
      .send({ prompt: 'no picture, json', width: 512, height: 512, imageUrl: '' });
    expect(json.status).toBe(201);
    const form = await guest
      .post('/prompts')
      .type('form')
      .set('Accept', JSON_ACCEPT)
      .send({ _csrf: csrf, prompt: 'no picture, form', width: '512', height: '512' });
    expect(form.status).toBe(201);
    for (const id of [multipart.body.id, json.body.id, form.body.id]) {
      expect((await gateway.app.get(SuggestionQueries).findById(id))!.pictureFile).toBeNull();
    }
  });

  it('refuses a multipart form without its CSRF token in the query string or header', async () => {
    const sent = await guest
      .post('/prompts')
      .set('Accept', JSON_ACCEPT)
      .field('prompt', 'forged')
      .field('width', '512')
      .field('height', '512')
      .attach('image', await picture(100, 100), 'p.png');
    expect(sent.status).toBe(403);
    // Nor does a token inside the multipart body count: it would be read only after the check.
    const inBody = await guest
      .post('/prompts')
      .set('Accept', JSON_ACCEPT)
      .field('_csrf', csrf)
      .field('prompt', 'token in the body')
      .field('width', '512')
      .field('height', '512')
      .attach('image', await picture(100, 100), 'p.png');
    expect(inBody.status).toBe(403);
  });

  it('refuses a text file named .png with 400 and stores nothing', async () => {
    const before = await countOwn();
    const sent = await guest
      .post('/prompts')
      .set('Accept', JSON_ACCEPT)
      .query({ _csrf: csrf })
      .field('prompt', 'not a picture')
      .field('width', '512')
      .field('height', '512')
      .attach('image', Buffer.from('hello, I am just text\n'.repeat(50)), {
        filename: 'cat.png',
        contentType: 'image/png',
      });
    expect(sent.status).toBe(400);
    expect(sent.body).toEqual({
      statusCode: 400,
      message: 'That file is not an image we can read',
      error: 'Bad Request',
    });
    expect(await countOwn()).toBe(before);
  });

  it('shows a browser a refused picture on the form, its prompt and sizes kept', async () => {
    const before = await countOwn();
    const sent = await guest
      .post('/prompts')
      .set('Accept', HTML)
      .query({ _csrf: csrf })
      .field('prompt', 'my cat as a <i>knight</i>')
      .field('width', '768')
      .field('height', '512')
      .attach('image', Buffer.from('hello, I am just text\n'.repeat(50)), {
        filename: 'cat.png',
        contentType: 'image/png',
      });
    expect(sent.status).toBe(400);
    expect(sent.text).toContain('role="alert">That file is not an image we can read</p>');
    expect(sent.text).toContain('>my cat as a &lt;i&gt;knight&lt;/i&gt;</textarea>');
    expect(sent.text).toMatch(/<select id="width" name="width">[\s\S]*?<option value="768" selected>/);
    expect(await countOwn()).toBe(before);
  });

  it('refuses a picture over the pixel limit (a decompression bomb) with 400', async () => {
    const before = await countOwn();
    // 42 MP of one colour compresses to a few hundred kB: small file, huge decode.
    const bomb = await sharp({ create: { width: 7000, height: 6000, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const sent = await guest
      .post('/prompts')
      .set('Accept', JSON_ACCEPT)
      .query({ _csrf: csrf })
      .field('prompt', 'a bomb')
      .field('width', '512')
      .field('height', '512')
      .attach('image', bomb, 'bomb.png');
    expect(sent.status).toBe(400);
    expect(sent.body.message).toMatch(/too many pixels/);
    expect(await countOwn()).toBe(before);
  });

  it('answers 413 to a picture over 64 MB, as JSON and on the form', async () => {
    const { html, csrf } = await openHome(guest);
    expect(html).toContain('Send');
    const cookie = guest.jar.getCookies({ domain: '127.0.0.1', path: '/', secure: false, script: false });
    const credentials = { cookie: cookie.toValueString(), csrf, userAgent: 'Phone/images-guest' };
    for (const accept of [JSON_ACCEPT, HTML]) {
      const { status, body } = await postHugeMultipart(gateway.url, accept, 65 * 1024 * 1024, credentials);
      expect(status).toBe(413);
      if (accept === JSON_ACCEPT) {
        expect(JSON.parse(body)).toEqual({
          statusCode: 413,
          message: 'That picture is larger than 64 MB.',
          error: 'Payload Too Large',
        });
      } else {
        expect(body).toContain('That picture is larger than 64 MB.');
      }
    }
  }, 30_000);

  describe('picture URLs pointing at this machine', () => {
    let connections = 0;
    let target: http.Server;
    let port: number;
    beforeAll(async () => {
      // A loopback server that would serve a real PNG: the point is that nobody ever connects to it.
      const png = await picture(64, 64);
      target = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'image/png' }).end(png));
      target.on('connection', () => connections++);
      await new Promise<void>((resolve) => target.listen(0, '::', resolve));
      port = (target.address() as AddressInfo).port;
      cleanups.push(() => new Promise<void>((resolve) => target.close(() => resolve())));
    });

    it.each([
      ['http://127.0.0.1:PORT/x.png'],
      ['http://localhost:PORT/x.png'],
      ['http://[::1]:PORT/x.png'],
      ['http://127.1:PORT/x.png'],
      ['http://2130706433:PORT/x.png'],
      ['http://0x7f000001:PORT/x.png'],
      ['http://[::ffff:127.0.0.1]:PORT/x.png'],
      ['http://0.0.0.0:PORT/x.png'],
    ])('refuses %s with 400 before any connection', async (template) => {
      const before = await countOwn();
      const sent = await guest
        .post('/prompts')
        .set('x-csrf-token', csrf)
        .send({ prompt: 'steal', width: 512, height: 512, imageUrl: template.replace('PORT', String(port)) });
      expect(sent.status).toBe(400);
      expect(sent.body).toEqual({
        statusCode: 400,
        message: 'That address is not allowed',
        error: 'Bad Request',
      });
      expect(connections).toBe(0);
      expect(await countOwn()).toBe(before);
    });

    it('refuses file:// and ftp:// URLs with 400', async () => {
      for (const imageUrl of ['file:///etc/passwd', `ftp://127.0.0.1:${port}/x.png`]) {
        const sent = await guest
          .post('/prompts')
          .set('x-csrf-token', csrf)
          .send({ prompt: 'steal', width: 512, height: 512, imageUrl });
        expect(sent.status).toBe(400);
        expect(sent.body.message).toBe('That address is not allowed');
      }
      expect(connections).toBe(0);
    });

    it('refuses a file and a URL together', async () => {
      const sent = await guest
        .post('/prompts')
        .set('Accept', JSON_ACCEPT)
        .query({ _csrf: csrf })
        .field('prompt', 'both')
        .field('width', '512')
        .field('height', '512')
        .field('imageUrl', 'https://example.com/a.png')
        .attach('image', await picture(64, 64), 'p.png');
      expect(sent.status).toBe(400);
      expect(sent.body.message).toBe('Attach a picture or give its URL, not both.');
      expect(connections).toBe(0);
    });
  });

  it('renders an approved picture prompt through /sdapi/v1/img2img with the picture as init image', async () => {
    const stack = await startRenderStack(join(temp.dir, 'img2img'));
    cleanups.push(() => stack.close());
    const { sd: fake, gateway: linked } = stack;

    const phone = browser(linked.url, 'Phone/img2img-guest');
    const { csrf: phoneCsrf } = await openHome(phone);
    const sent = await phone
      .post('/prompts')
      .set('Accept', JSON_ACCEPT)
      .query({ _csrf: phoneCsrf })
      .field('prompt', 'the same scene at night')
      .field('width', '512')
      .field('height', '512')
      .attach('image', await picture(900, 700, 'jpeg'), 'day.jpg');
    expect(sent.status).toBe(201);
    const pictureFile = (await linked.app.get(SuggestionQueries).findById(sent.body.id))!.pictureFile!;
    const stored = readFileSync(join(linked.config.uploadDir, pictureFile));

    const admin = browser(linked.url, 'Laptop/img2img-host');
    await openHome(admin);
    await becomeAdmin(linked, admin);
    const adminCsrf = csrfFrom((await admin.get('/admin').set('Accept', HTML)).text);
    const approved = await admin
      .post(`/admin/prompts/${sent.body.id}/approve`)
      .set('Accept', JSON_ACCEPT)
      .set('x-csrf-token', adminCsrf);
    expect(approved.status).toBe(200);

    await eventually(
      async () => (await linked.app.get(SuggestionQueries).findById(sent.body.id))!.status,
      (status) => status === 'rendered',
      20_000,
      'the img2img prompt to be rendered',
    );
    const img2img = fake.requests.filter((request) => request.path === '/sdapi/v1/img2img');
    expect(img2img).toHaveLength(1);
    expect(img2img[0].initImageLengths).toEqual([stored.toString('base64').length]);
    expect(fake.requests.some((request) => request.path === '/sdapi/v1/txt2img')).toBe(false);
    expect(existsSync(join(linked.config.outputDir, `${sent.body.id}.png`))).toBe(true);
  }, 40_000);
});

/**
 * Streams a multipart prompt whose picture is `bytes` long, in 1 MB chunks of one reused buffer (never
 * the whole body in memory), and stops writing as soon as the server answers.
 */
function postHugeMultipart(
  url: string,
  accept: string,
  bytes: number,
  credentials: { cookie: string; csrf: string; userAgent: string },
): Promise<{ status: number; body: string }> {
  const boundary = '----vernissage-huge';
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhuge\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="width"\r\n\r\n512\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="height"\r\n\r\n512\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="huge.png"\r\nContent-Type: image/png\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = http.request(
      `${url}/prompts`,
      {
        method: 'POST',
        headers: {
          accept,
          cookie: credentials.cookie,
          'x-csrf-token': credentials.csrf,
          'user-agent': credentials.userAgent,
          'accept-language': 'en-GB,en;q=0.9',
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(Buffer.byteLength(head) + bytes + Buffer.byteLength(tail)),
        },
      },
      (response) => {
        answered = true;
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    // The server may close its side once it has answered; that is expected, not a failure.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    request.write(head);
    let sent = 0;
    const pump = (): void => {
      while (!answered && sent < bytes) {
        const size = Math.min(chunk.length, bytes - sent);
        sent += size;
        if (!request.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end(tail);
    };
    pump();
  });
}

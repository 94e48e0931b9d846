import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import hbs from 'hbs';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { loadGatewayConfig } from '../config/gateway.config.js';
import { MailService } from './mail.service.js';

const SECRETS = {
  SESSION_SECRET: 'x'.repeat(32),
  FINGERPRINT_SECRET: 'y'.repeat(32),
  RENDERER_TOKEN: 'z'.repeat(32),
};

/** A loopback port that accepts a connection and closes it at once: every SMTP attempt fails. */
async function hangUpServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, connections: () => count };
}

describe('MailService', () => {
  let server: Server | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it('queues without waiting, retries once, then lists the failure; logs never carry the link', async () => {
    const hangUp = await hangUpServer();
    server = hangUp.server;
    const config = loadGatewayConfig({ ...SECRETS, SMTP_URL: `smtp://127.0.0.1:${hangUp.port}` });
    const mail = new MailService(config);
    mail.retryDelayMs = 20;
    const logged: string[] = [];
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(
      (message: unknown) => void logged.push(String(message)),
    );
    vi.spyOn(Logger.prototype, 'error').mockImplementation(
      (message: unknown) => void logged.push(String(message)),
    );

    const result: unknown = mail.send({
      to: 'a@example.test',
      subject: 'Hello',
      text: 'http://x/account/set-password?token=SECRET123',
    });
    expect(result).toBeUndefined();
    expect(hangUp.connections()).toBe(0);
    expect(mail.configured).toBe(true);

    await vi.waitFor(() => expect(mail.recentFailures()).toHaveLength(1), { timeout: 10_000, interval: 20 });
    expect(hangUp.connections()).toBe(2);
    expect(mail.recentFailures()[0]).toMatchObject({ to: 'a@example.test', subject: 'Hello' });
    expect(logged).toHaveLength(2);
    expect(logged.join('\n')).not.toContain('SECRET123');
    await mail.onModuleDestroy();
  });

  it('saves an .eml whose link is whole in the file and in what a mail client reads', async () => {
    const temp = makeTempDir();
    try {
      const config = loadGatewayConfig({
        ...SECRETS,
        DATABASE_PATH: join(temp.dir, 'db.sqlite'),
        OUTPUT_DIR: join(temp.dir, 'output'),
      });
      const mail = new MailService(config);
      const link = `https://a-rather-long-party-name.example.org/account/set-password?token=${'Ab9_-'.repeat(8)}xyz`;
      mail.send({
        to: 'b@example.test',
        subject: 'Your invitation',
        text: `Hello b,\n\nhere:\n\n${link}\n\nBye.`,
      });
      await mail.idle();
      const [file] = readdirSync(join(temp.dir, 'output', 'mail'));
      const raw = readFileSync(join(temp.dir, 'output', 'mail', file), 'utf8');
      // Copied straight from the file: one line, no quoted-printable soft breaks or =3D.
      expect(raw.split('\n').map((line) => line.trim())).toContain(link);
      expect(raw).not.toMatch(/=3D|=\r?\n/);

      const parsed = await simpleParser(raw);
      expect(parsed.subject).toBe('Your invitation');
      expect(parsed.to && 'text' in parsed.to ? parsed.to.text : '').toBe('b@example.test');
      expect(parsed.text).toContain(`here:\n\n${link}\n`);
      expect(parsed.html).toContain(`<a href="${hbs.handlebars.Utils.escapeExpression(link)}">`);
      await mail.onModuleDestroy();
    } finally {
      temp.cleanup();
    }
  });

  it('leaves non-ASCII text to the usual transfer encoding', async () => {
    const temp = makeTempDir();
    try {
      const config = loadGatewayConfig({
        ...SECRETS,
        DATABASE_PATH: join(temp.dir, 'db.sqlite'),
        OUTPUT_DIR: join(temp.dir, 'output'),
      });
      const mail = new MailService(config);
      mail.send({ to: 'c@example.test', subject: 'Grüße', text: 'Grüße aus der Galerie' });
      await mail.idle();
      const [file] = readdirSync(join(temp.dir, 'output', 'mail'));
      const parsed = await simpleParser(readFileSync(join(temp.dir, 'output', 'mail', file)));
      expect(parsed.text?.trim()).toBe('Grüße aus der Galerie');
      await mail.onModuleDestroy();
    } finally {
      temp.cleanup();
    }
  });
});

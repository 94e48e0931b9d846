import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
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
});

import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface DeliveredMail {
  to: string[];
  raw: string;
}

export interface TestSmtpServer {
  url: string;
  messages: DeliveredMail[];
  close: () => Promise<void>;
}

/** A real SMTP server on loopback that keeps every message it accepts. */
export async function startSmtp(): Promise<TestSmtpServer> {
  const messages: DeliveredMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push({
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The account link in a mail's text, read as a mail client reads it (transfer encoding undone by mailparser). */
export async function accountLinkFrom(raw: string): Promise<URL> {
  const { text } = await simpleParser(raw);
  const match = /https?:\/\/\S+\/account\/(?:set|reset)-password\?token=[A-Za-z0-9_-]+/.exec(text ?? '');
  if (!match) throw new Error(`no link in mail:\n${raw}`);
  return new URL(match[0]);
}

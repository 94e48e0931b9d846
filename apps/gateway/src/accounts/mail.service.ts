import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import hbs from 'hbs';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { GatewayConfig } from '../config/gateway.config.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
}

export interface MailFailure {
  at: string;
  to: string;
  subject: string;
  reason: string;
}

/** A failed mail is tried once more after this delay, then reported to the admin. */
export const MAIL_RETRY_DELAY_MS = 60_000;
const RECENT_FAILURES = 10;
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Sends mail in the background: `send` only queues, so a slow or unreachable SMTP server never holds a
 * request. Without SMTP_URL each message is saved as an .eml file in <OUTPUT_DIR>/mail, so invitations
 * and reset links still work on a laptop (the admin copies the link from the file).
 * Logs name the recipient and subject only: the body carries a single-use link that must not leak.
 */
@Injectable()
export class MailService implements OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private readonly transport: Transporter;
  private readonly mailDir: string;
  private readonly queue: { mail: OutgoingMail; attempt: number }[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly failures: MailFailure[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;
  retryDelayMs = MAIL_RETRY_DELAY_MS;

  constructor(private readonly config: GatewayConfig) {
    this.mailDir = join(config.outputDir, 'mail');
    this.transport = config.mail.smtpUrl
      ? nodemailer.createTransport(config.mail.smtpUrl)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  /** False when mails are only saved as files (the admin page says so). */
  get configured(): boolean {
    return Boolean(this.config.mail.smtpUrl);
  }

  /** Queues the mail and returns at once. */
  send(mail: OutgoingMail): void {
    this.enqueue({ mail, attempt: 1 });
  }

  /** The last few mails that could not be sent even after a retry, newest first. */
  recentFailures(): MailFailure[] {
    return [...this.failures];
  }

  /** Resolves once the queue is empty (retries waiting on their timer are not awaited). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Lets the mails already queued leave (bounded), so a restart right after an invitation loses nothing. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise((resolve) => {
        timeout = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      }),
    ]);
    clearTimeout(timeout);
    this.transport.close();
  }

  private enqueue(item: { mail: OutgoingMail; attempt: number }): void {
    if (this.closed) return;
    this.queue.push(item);
    // Started on the next turn of the event loop: the request that queued the mail answers first.
    this.draining ??= new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.drain())
      .finally(() => {
        this.draining = null;
      });
  }

  private async drain(): Promise<void> {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      try {
        await this.deliver(item.mail);
      } catch (error) {
        this.failed(item, error instanceof Error ? error.message : String(error));
      }
    }
  }

  private async deliver(mail: OutgoingMail): Promise<void> {
    const info = (await this.transport.sendMail({ from: this.config.mail.from, ...bodyOf(mail) })) as {
      message?: Buffer;
    };
    if (this.configured) return;
    await mkdir(this.mailDir, { recursive: true });
    const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.eml`;
    await writeFile(join(this.mailDir, name), info.message ?? '', { mode: 0o600 });
  }

  private failed(item: { mail: OutgoingMail; attempt: number }, reason: string): void {
    const what = `"${item.mail.subject}" to ${item.mail.to}`;
    if (item.attempt === 1 && !this.closed) {
      this.logger.warn(`Mail ${what} failed (${reason}); retrying in ${this.retryDelayMs / 1000} s.`);
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        this.enqueue({ mail: item.mail, attempt: 2 });
      }, this.retryDelayMs);
      timer.unref();
      this.retries.add(timer);
      return;
    }
    this.logger.error(`Mail ${what} could not be sent: ${reason}`);
    this.failures.unshift({
      at: new Date().toISOString(),
      to: item.mail.to,
      subject: item.mail.subject,
      reason,
    });
    this.failures.length = Math.min(this.failures.length, RECENT_FAILURES);
  }
}

/** RFC 5322's hard limit for a line, CRLF excluded. */
const MAX_LINE = 998;

/**
 * Both parts go out as 7bit whenever the text is plain ASCII, so a link stays whole in the raw message (a
 * saved .eml, "view source"): quoted-printable, nodemailer's choice for any line over 76 characters, would
 * split it with `=` soft breaks and turn `=` into `=3D`. A raw part only works inside a multipart message,
 * hence the HTML alternative, which also makes the link clickable.
 */
function bodyOf(mail: OutgoingMail): SendMailOptions {
  const html = htmlOf(mail.text);
  if (!fitsSevenBit(mail.text) || !fitsSevenBit(html)) return mail;
  return {
    ...mail,
    text: { raw: sevenBitPart('text/plain', mail.text) },
    html: { raw: sevenBitPart('text/html', html) },
  };
}

function fitsSevenBit(part: string): boolean {
  return /^[\x20-\x7e\n]*$/.test(part) && part.split('\n').every((line) => line.length <= MAX_LINE);
}

function sevenBitPart(type: string, content: string): string {
  const headers = `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: 7bit`;
  return `${headers}\r\n\r\n${content.replace(/\n/g, '\r\n')}\r\n`;
}

/** Paragraphs of the text, escaped, with its web addresses as links; one line per paragraph. */
function htmlOf(text: string): string {
  const escape = hbs.handlebars.Utils.escapeExpression;
  const paragraphs = text.split(/\n{2,}/).map((paragraph) =>
    paragraph
      .split(/(https?:\/\/\S+)/)
      .map((part, index) =>
        index % 2 === 1 ? `<a href="${escape(part)}">${escape(part)}</a>` : escape(part),
      )
      .join('')
      .replace(/\n/g, '<br>'),
  );
  return ['<!doctype html>', '<html><body>', ...paragraphs.map((p) => `<p>${p}</p>`), '</body></html>'].join(
    '\n',
  );
}

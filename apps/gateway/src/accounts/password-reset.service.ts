import { Injectable } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config.js';
import { UsersRepository } from '../users/users.repository.js';
import { AccountTokensRepository, newAccountToken } from './account-tokens.repository.js';
import { MailService } from './mail.service.js';

/** The one answer, whether or not an account has that address: the page never tells who has an account. */
export const RESET_REQUESTED_MESSAGE = 'If an account exists for that address, a link is on its way.';

/** At most this many reset mails per account in the window, so the form cannot be used to flood an inbox. */
export const RESETS_PER_WINDOW = 3;
const RESET_WINDOW_MS = 15 * 60_000;

@Injectable()
export class PasswordResetService {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: AccountTokensRepository,
    private readonly mail: MailService,
    private readonly config: GatewayConfig,
  ) {}

  /**
   * Mails a single-use reset link when the address belongs to an account. Both paths look the address up
   * and make a token, and the mail leaves in the background, so the answer takes about as long either way.
   */
  async request(email: string, origin: string): Promise<{ message: string }> {
    const user = await this.users.findByUsernameOrEmail(email);
    if (user?.email !== email || !user.username) {
      // Stands in for the token insert of the other path: a token made and looked up, never stored.
      await this.tokens.findValid(newAccountToken().token, 'reset');
      return { message: RESET_REQUESTED_MESSAGE };
    }
    const ttlS = this.config.mail.passwordResetTtlS;
    // The cap is checked and the link made in one statement, so a burst of requests cannot overshoot it.
    const token = await this.tokens.createWithinCap(user.id, 'reset', ttlS, {
      limit: RESETS_PER_WINDOW,
      windowMs: RESET_WINDOW_MS,
    });
    // Someone keeps asking: stop filling the inbox, with the same answer as always.
    if (token) this.mailToken({ username: user.username, email }, token, origin);
    return { message: RESET_REQUESTED_MESSAGE };
  }

  /** Makes a single-use reset link and mails it; returns the link (the admin's users page may show it). */
  async mailLink(user: { id: number; username: string; email: string }, origin: string): Promise<string> {
    const token = await this.tokens.create(user.id, 'reset', this.config.mail.passwordResetTtlS);
    return this.mailToken(user, token, origin);
  }

  private mailToken(user: { username: string; email: string }, token: string, origin: string): string {
    const ttlS = this.config.mail.passwordResetTtlS;
    const link = `${origin}/account/reset-password?token=${token}`;
    const minutes = Math.round(ttlS / 60);
    this.mail.send({
      to: user.email,
      subject: 'Reset your Vernissage password',
      text: [
        `Hello ${user.username},`,
        '',
        'you (or the host, for you) asked for a link to choose a new Vernissage password. Choose it here:',
        '',
        link,
        '',
        `The link works once and expires in ${minutes >= 1 ? `${minutes} minute(s)` : `${ttlS} seconds`}.`,
        'If you did not ask for this, ignore this mail: your password stays as it is.',
      ].join('\n'),
    });
    return link;
  }
}

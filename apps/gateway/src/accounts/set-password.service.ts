import { BadRequestException, GoneException, Injectable, type OnModuleInit } from '@nestjs/common';
import { StaffDevices } from '../auth/staff-devices.service.js';
import type { AppRequest } from '../common/app-request.js';
import { Page } from '../common/answer/answer.decorator.js';
import { PageRegistry } from '../common/answer/page-registry.service.js';
import { ApiTokensService } from '../api-tokens/api-tokens.service.js';
import { startSession } from '../sessions/session-utils.js';
import type { UserRole } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import type { AccountTokenPurpose } from './account-token.entity.js';
import {
  ACCOUNT_TOKEN_PATTERN,
  AccountTokensRepository,
  type AccountTokenGrant,
} from './account-tokens.repository.js';
import { PASSWORD_MAX, PASSWORD_MIN } from './account-rules.js';
import { isStaff } from './login.service.js';
import { PasswordHasher } from './password-hasher.service.js';

export const LINK_INVALID_MESSAGE =
  'This link has expired or has already been used. Ask the host for a new invitation, or request a new link on the “Forgot password” page.';

export const SET_PASSWORD_PAGES: Record<
  AccountTokenPurpose,
  { action: string; title: string; done: string }
> = {
  invite: {
    action: '/account/set-password',
    title: 'Choose your password',
    done: 'Your password is set and you are signed in.',
  },
  reset: {
    action: '/account/reset-password',
    title: 'Choose a new password',
    done: 'Your new password is set and you are signed in.',
  },
};

/** Who has just set their password, as the answer shows it. */
export interface PasswordSet {
  id: number;
  username: string | null;
  role: UserRole;
  signedIn: true;
}

export const LINK_MALFORMED_MESSAGE =
  'This link is incomplete or was changed on the way. Copy the whole link from the mail (or the page the host gave you) and try again.';

/** A password rule broken: the form comes back with this message and the same link. */
export class PasswordRuleError extends BadRequestException {}

/** Checks the rules for a new password; returns the message to show, or null when it is fine. */
export function passwordProblem(password: string, repeat: string): string | null {
  if (password.length < PASSWORD_MIN) return `Choose a password of at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `A password can be at most ${PASSWORD_MAX} characters.`;
  if (password !== repeat) return 'The two passwords are not the same.';
  return null;
}

/**
 * Setting a password through a mailed link (invitation or reset): the link works once, before it
 * expires, and only if the password has not changed since it was issued. Success signs the person in.
 */
@Injectable()
export class SetPasswordService implements OnModuleInit {
  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: AccountTokensRepository,
    private readonly staff: StaffDevices,
    private readonly apiTokens: ApiTokensService,
    private readonly hasher: PasswordHasher,
    private readonly pages: PageRegistry,
  ) {}

  /** A broken password rule shows the form again, with the same link; a dead link is the error page. */
  onModuleInit(): void {
    for (const purpose of ['invite', 'reset'] as const) {
      this.pages.register(`set-password:${purpose}`, (req, { refusal }) => {
        if (!(refusal?.error instanceof PasswordRuleError)) return undefined;
        const token = (req.body as { token?: unknown }).token;
        return this.form(purpose, typeof token === 'string' ? token : '', refusal.message);
      });
    }
  }

  /** The form behind a mailed link, once the link is known to be good. */
  async page(purpose: AccountTokenPurpose, token: string | undefined): Promise<Page> {
    await this.assertUsable(token, purpose);
    return this.form(purpose, token!);
  }

  private form(purpose: AccountTokenPurpose, token: string, error?: string): Page {
    return new Page('accounts/set-password', { ...SET_PASSWORD_PAGES[purpose], token, error });
  }

  /** For the GET: is this link still good? Refuses at once rather than after the form is filled in. */
  async assertUsable(token: string | undefined, purpose: AccountTokenPurpose): Promise<void> {
    // A link mangled in transit (cut at a line break, a stray character) is not the same as a used one.
    if (!token || !ACCOUNT_TOKEN_PATTERN.test(token)) throw new BadRequestException(LINK_MALFORMED_MESSAGE);
    const grant = await this.tokens.findValid(token, purpose);
    if (!grant || !(await this.stillCurrent(grant))) throw new GoneException(LINK_INVALID_MESSAGE);
  }

  async setPassword(
    req: AppRequest,
    purpose: AccountTokenPurpose,
    input: { token: string; password?: string; repeat?: string },
  ): Promise<PasswordSet> {
    await this.assertUsable(input.token, purpose);
    const problem = passwordProblem(input.password ?? '', input.repeat ?? '');
    if (problem) throw new PasswordRuleError(problem);
    // Hash before taking the link, so a slow hash never holds the single database writer.
    const hash = await this.hasher.hash(input.password!);
    const grant = await this.tokens.consume(input.token, purpose);
    if (!grant || !(await this.stillCurrent(grant))) throw new GoneException(LINK_INVALID_MESSAGE);
    // A reset is what someone does who fears the password is known: every other session ends, and the
    // account's API tokens stop working (whoever knew the password may have made one).
    const reset = purpose === 'reset';
    await this.users.setPasswordHash(grant.userId, hash, { endSessions: reset });
    if (reset) await this.apiTokens.revokeAllOf(grant.userId);
    await this.tokens.invalidateOpenFor(grant.userId);
    const user = await this.users.findById(grant.userId);
    if (!user) throw new GoneException(LINK_INVALID_MESSAGE);
    await startSession(req, user);
    req.user = user;
    // As with a login: the mailed link plus the new password prove it is them, on this device.
    if (isStaff(user)) await this.staff.enrol(req, user.id);
    return { id: user.id, username: user.username, role: user.role, signedIn: true };
  }

  /** A link issued before the last password change is dead, and so is one for a deleted user. */
  private async stillCurrent(grant: AccountTokenGrant): Promise<boolean> {
    const user = await this.users.findById(grant.userId);
    if (!user) return false;
    return !user.passwordChangedAt || grant.createdAt.getTime() > new Date(user.passwordChangedAt).getTime();
  }
}

import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditLog } from '../audit/audit.service.js';
import { GatewayConfig } from '../config/gateway.config.js';
import type { UserEntity, UserRole } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { AccountCreation } from './account-creation.service.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import type { InvitationDto } from './dto/invitation.dto.js';
import { MailService } from './mail.service.js';
import { PasswordResetService } from './password-reset.service.js';

export interface InvitationView {
  id: number;
  username: string;
  email: string;
  role: UserRole;
  colourName: string;
  message: string;
  /** Only when mail is not configured: the link itself, for the admin to pass on (it was saved as a file). */
  link?: string;
}

export interface PasswordLinkView {
  id: number;
  message: string;
  /** As in InvitationView: only when mail is not configured. */
  link?: string;
}

export interface RoleChangeView {
  id: number;
  role: UserRole;
  message: string;
}

/**
 * The admin registers members and moderators by name and email; they choose their own password through
 * a single-use mailed link, so no password ever travels by mail.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly accounts: AccountCreation,
    private readonly tokens: AccountTokensRepository,
    private readonly mail: MailService,
    private readonly resets: PasswordResetService,
    private readonly config: GatewayConfig,
    private readonly audit: AuditLog,
  ) {}

  async invite(input: InvitationDto, origin: string): Promise<InvitationView> {
    return this.sendInvitation(await this.accounts.create(input), origin);
  }

  /** Mails a new account (from the invite form or the API) its single-use link to choose a password. */
  async sendInvitation(user: UserEntity, origin: string): Promise<InvitationView> {
    const input = { username: user.username!, email: user.email!, role: user.role };
    const link = await this.mailInvitation(user.id, input.username, input.email, input.role, origin);
    return {
      id: user.id,
      username: input.username,
      email: input.email,
      role: input.role,
      colourName: user.colourName,
      message: this.mail.configured
        ? `Invited ${input.username} as ${input.role}: an invitation is on its way to ${input.email}.`
        : `Invited ${input.username} as ${input.role}. Mail is not configured: pass this link on to them.`,
      ...(this.mail.configured ? {} : { link }),
    };
  }

  /**
   * A new link for an existing account, from its row on the users page: a fresh invitation while it has
   * no password yet, otherwise a password reset. Any older open link of theirs stops working.
   */
  async passwordLink(targetId: number, origin: string): Promise<PasswordLinkView> {
    const user = await this.users.findById(targetId);
    if (!user) throw new NotFoundException('There is no such user.');
    if (!user.username || !user.email) {
      throw new BadRequestException('Only an account with a username and email has a password to set.');
    }
    await this.tokens.invalidateOpenFor(user.id);
    const link = user.passwordHash
      ? await this.resets.mailLink({ id: user.id, username: user.username, email: user.email }, origin)
      : await this.mailInvitation(user.id, user.username, user.email, user.role, origin);
    const what = user.passwordHash ? 'A password reset link' : 'A new invitation';
    return {
      id: user.id,
      message: this.mail.configured
        ? `${what} is on its way to ${user.email}.`
        : `${what} for ${user.username}. Mail is not configured: pass this link on to them.`,
      ...(this.mail.configured ? {} : { link }),
    };
  }

  private async mailInvitation(
    userId: number,
    username: string,
    email: string,
    role: UserRole,
    origin: string,
  ): Promise<string> {
    const ttlS = this.config.mail.inviteTtlS;
    const token = await this.tokens.create(userId, 'invite', ttlS);
    const link = `${origin}/account/set-password?token=${token}`;
    const hours = Math.round(ttlS / 3600);
    this.mail.send({
      to: email,
      subject: 'Your invitation to Vernissage',
      text: [
        `Hello ${username},`,
        '',
        `the host of Vernissage has made you an account (${role}). Choose your password here:`,
        '',
        link,
        '',
        `The link works once and expires in ${hours >= 1 ? `${hours} hour(s)` : `${ttlS} seconds`}.`,
        'If you were not expecting this, you can ignore this mail.',
      ].join('\n'),
    });
    return link;
  }

  async changeRole(targetId: number, role: UserRole, admin: UserEntity): Promise<RoleChangeView> {
    if (targetId === admin.id) throw new ForbiddenException('You cannot change your own role.');
    const user = await this.users.findById(targetId);
    if (!user) throw new NotFoundException('There is no such user.');
    if ((role === 'admin' || role === 'moderator') && !user.username) {
      // Staff sign in with a password on an enrolled device; a colour-only guest has no way to.
      throw new BadRequestException(
        `Only an account with a username can become ${role}. Invite them instead.`,
      );
    }
    await this.users.setRole(targetId, role);
    if (role !== user.role) {
      await this.audit.record({
        kind: 'role',
        action: 'change-role',
        actorId: admin.id,
        subjectUserId: targetId,
        summary: `Made ${user.username ?? user.colourName} ${role} (was ${user.role})`,
        details: { changes: { role: { before: user.role, after: role } } },
      });
    }
    return { id: targetId, role, message: `${user.username ?? user.colourName} is now ${role}.` };
  }
}

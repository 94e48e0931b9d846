import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { GatewayConfig } from '../config/gateway.config.js';
import type { UserEntity, UserRole } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { AccountCreation } from './account-creation.service.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import type { InvitationDto } from './dto/invitation.dto.js';
import { MailService } from './mail.service.js';

export interface InvitationView {
  id: number;
  username: string;
  email: string;
  role: UserRole;
  colourName: string;
  message: string;
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
    private readonly config: GatewayConfig,
  ) {}

  async invite(input: InvitationDto, origin: string): Promise<InvitationView> {
    const user = await this.accounts.create(input);
    return this.sendInvitation(user, origin);
  }

  /** Mails a new account its single-use link to choose a password. */
  async sendInvitation(user: UserEntity, origin: string): Promise<InvitationView> {
    const input = { username: user.username!, email: user.email!, role: user.role };
    const token = await this.tokens.create(user.id, 'invite', this.config.mail.inviteTtlS);
    const hours = Math.round(this.config.mail.inviteTtlS / 3600);
    this.mail.send({
      to: input.email,
      subject: 'Your invitation to Vernissage',
      text: [
        `Hello ${input.username},`,
        '',
        `the host of Vernissage has made you an account (${input.role}). Choose your password here:`,
        '',
        `${origin}/account/set-password?token=${token}`,
        '',
        `The link works once and expires in ${hours >= 1 ? `${hours} hour(s)` : `${this.config.mail.inviteTtlS} seconds`}.`,
        'If you were not expecting this, you can ignore this mail.',
      ].join('\n'),
    });
    return {
      id: user.id,
      username: input.username,
      email: input.email,
      role: input.role,
      colourName: user.colourName,
      message: `Invited ${input.username} as ${input.role}: an invitation is on its way to ${input.email}.`,
    };
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
    return { id: targetId, role, message: `${user.username ?? user.colourName} is now ${role}.` };
  }
}

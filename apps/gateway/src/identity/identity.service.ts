import { ForbiddenException, Injectable } from '@nestjs/common';
import type { AppRequest } from '../common/app-request.js';
import { startSession } from '../sessions/session-utils.js';
import type { UserEntity, UserRole } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import { FingerprintService } from './fingerprint.service.js';

/** How often a returning visitor's "last seen" and fingerprint link are refreshed. */
const SEEN_REFRESH_MS = 5 * 60 * 1000;

export type Visitor =
  | { kind: 'known'; user: UserEntity }
  | { kind: 'new'; user: UserEntity }
  | { kind: 'lost'; candidates: UserEntity[] };

/**
 * Who is this visitor? The session cookie first; without one, the keyed fingerprint finds guests seen
 * on this kind of device, and the visitor chooses ("Are you lost?") rather than being merged silently.
 */
@Injectable()
export class IdentityService {
  constructor(
    private readonly users: UsersRepository,
    private readonly fingerprints: FingerprintService,
  ) {}

  /**
   * The session's user, cached on the request. A session whose user was deleted, or that belongs to an
   * earlier session epoch (the password was reset or changed since), no longer signs anyone in.
   */
  async currentUser(req: AppRequest): Promise<UserEntity | undefined> {
    if (req.user) return req.user;
    const userId = req.session?.userId;
    if (userId === undefined) return undefined;
    const user = await this.users.findById(userId);
    if (!user || (req.session.epoch ?? 0) !== user.sessionEpoch) {
      delete req.session.userId;
      delete req.session.epoch;
      delete req.session.staffAddress;
      return undefined;
    }
    req.user = user;
    return user;
  }

  async resolveVisitor(req: AppRequest): Promise<Visitor> {
    const user = await this.currentUser(req);
    if (user) {
      if (Date.now() - user.lastSeenAt.getTime() > SEEN_REFRESH_MS) {
        await this.users.rememberFingerprint(user.id, this.fingerprints.keyFor(req));
      }
      return { kind: 'known', user };
    }
    const candidates = await this.users.findGuestsByFingerprintKey(this.fingerprints.keyFor(req));
    if (candidates.length > 0) return { kind: 'lost', candidates };
    return { kind: 'new', user: await this.startAs(req, 'guest') };
  }

  /** "Continue as NAME": only a guest already seen with this very fingerprint can be taken back. */
  async continueAs(req: AppRequest, userId: number): Promise<UserEntity> {
    const key = this.fingerprints.keyFor(req);
    const candidates = await this.users.findGuestsByFingerprintKey(key);
    const user = candidates.find((candidate) => candidate.id === userId);
    if (!user) throw new ForbiddenException('That colour cannot be recovered from this device.');
    await startSession(req, user);
    req.user = user;
    await this.users.rememberFingerprint(user.id, key);
    return user;
  }

  /** A brand-new user with a fresh colour, signed in on a new session. */
  async startAs(req: AppRequest, role: UserRole): Promise<UserEntity> {
    const user = await this.users.createWithColour(
      role,
      role === 'guest' ? this.fingerprints.keyFor(req) : null,
    );
    await startSession(req, user);
    req.session.welcome = true;
    req.user = user;
    return user;
  }
}

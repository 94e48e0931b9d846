import type { Request } from 'express';
import type { UserEntity } from '../users/user.entity.js';

/** The Express request as the gateway sees it after the auth guard. */
export interface AppRequest extends Request {
  user?: UserEntity;
  /** How `user` was established: the session cookie, or a personal API token on /api. */
  authenticatedBy?: 'session' | 'token';
  /** Computed once per request by FingerprintService. */
  fingerprintKey?: string;
}

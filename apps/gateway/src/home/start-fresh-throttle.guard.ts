import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { AppRequest } from '../common/app-request.js';
import { FingerprintService } from '../identity/fingerprint.service.js';

/** New colours one device (by fingerprint) may take with "Start fresh" in an hour. */
export const START_FRESH_LIMIT = { limit: 5, ttl: 3600_000 } as const;

/**
 * Per device fingerprint, not per session: every "Start fresh" is a new user, so without a limit a guest
 * could mint identities at will and step around the per-guest pending and per-minute limits. A few an
 * hour still lets several guests with identical phones on one Wi-Fi each take a colour of their own.
 */
@Injectable()
export class StartFreshThrottleGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly fingerprints: FingerprintService,
  ) {
    super(options, storage, reflector);
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return `fresh:${this.fingerprints.keyFor(req as unknown as AppRequest)}`;
  }

  protected override async getErrorMessage(): Promise<string> {
    return 'Too many new colours from this device in the last hour. Continue as one of your colours, or try again later.';
  }
}

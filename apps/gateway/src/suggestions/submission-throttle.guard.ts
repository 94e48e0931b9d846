import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AppRequest } from '../common/app-request.js';

/** Rate limit per guest (their user id), not per address: a whole party may share one Wi-Fi address. */
@Injectable()
export class SubmissionThrottleGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AppRequest;
    // req.user covers API-token clients, who may carry no session at all.
    return `user:${request.user?.id ?? request.session?.userId ?? request.fingerprintKey ?? 'anonymous'}`;
  }

  protected override async getErrorMessage(): Promise<string> {
    return 'Slow down: too many prompts in a minute. Try again shortly.';
  }
}

import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { rulesOf } from '../screening/screening.service.js';
import { SettingsService } from '../settings/settings.service.js';
import { SuggestionLifecycle, type Applied } from './suggestion-lifecycle.service.js';

/** How often waiting prompts are checked against Auto-approve; the grace window is kept to within this. */
export const SWEEP_INTERVAL_MS = 500;

/**
 * Auto-approve for prompts already waiting: the grace window (a prompt nobody denied within N seconds),
 * and members', staff's and trusted guests' prompts left from before the rule was switched on or the guest
 * was trusted. One conditional statement per rule approves everything due at once, so a burst of 2.5
 * prompts a second costs a statement or two a tick, not one per prompt. Pictures and flagged prompts are
 * excluded by the statements themselves.
 */
@Injectable()
export class AutoApproval implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AutoApproval');
  private timer: NodeJS.Timeout | null = null;
  /** Sweeps run one after another, each with its own time. */
  private last: Promise<unknown> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly lifecycle: SuggestionLifecycle,
    private readonly settings: SettingsService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // A tick that finds the last sweep still running lets it be rather than queue up behind it.
      if (this.busy) return;
      this.sweep().catch((error: unknown) =>
        this.logger.error(
          `Auto-approve sweep failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Approves whatever the current rules cover at `now` (after any sweep still running). */
  sweep(now?: Date): Promise<Applied[]> {
    const next = this.last.then(async () => {
      this.busy = true;
      try {
        return await this.sweepOnce(now ?? this.clock.now());
      } finally {
        this.busy = false;
      }
    });
    this.last = next.catch(() => undefined);
    return next;
  }

  /** When a waiting prompt submitted at `submittedAt` will be approved by the grace window, if it will be. */
  async deadlineOf(submittedAt: Date): Promise<Date | null> {
    const settings = await this.settings.get();
    if (settings.autoApprove !== 'grace') return null;
    return new Date(submittedAt.getTime() + settings.graceSeconds * 1000);
  }

  private async sweepOnce(now: Date): Promise<Applied[]> {
    const { autoApprove, graceSeconds } = await this.settings.get();
    const approved: Applied[] = [];
    for (const rule of rulesOf(autoApprove)) {
      if (rule === 'grace-window') {
        const submittedBy = new Date(now.getTime() - graceSeconds * 1000);
        approved.push(...(await this.lifecycle.autoApprove(rule, { submittedBy }, now, graceSeconds)));
      } else {
        approved.push(...(await this.lifecycle.autoApprove(rule, {}, now)));
      }
    }
    return approved;
  }
}

import { Logger } from '@nestjs/common';
import { RendererPattern, type RendererStatus } from '#contracts';
import { RendererClient, RendererRefusedError } from './renderer.client.js';
import { Sleeper } from './sleeper.js';

/** refused: it answers, but refuses us (a token mismatch): retrying will not help until someone fixes it. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'down' | 'refused';

const STATUS_INTERVAL_MS = 1_000;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

export interface LinkView {
  state: LinkState;
  status: RendererStatus | null;
  /** Why the link is not up, in words for the host. */
  problem: string | null;
}

/**
 * Watches the link to one renderer: asks for its status every second (queue, job, progress for the host's
 * panel), notices drops (a dropped link may mean a restarted renderer with an empty queue), and tells its
 * listeners when the link is (back) up, so the dispatcher can hand everything over again. The gateway
 * starts and serves guests with the renderer down; this keeps retrying on its own. RendererPool makes one
 * per renderer and starts and stops it with the app.
 */
export class RendererLink {
  private readonly logger: Logger;
  private readonly sleeper = new Sleeper();
  private readonly upListeners: (() => void)[] = [];
  private readonly changeListeners: (() => void)[] = [];
  private state: LinkState = 'connecting';
  private status: RendererStatus | null = null;
  private problem: string | null = null;

  constructor(
    private readonly client: RendererClient,
    name = 'RendererLink',
  ) {
    this.logger = new Logger(name);
    this.client.onLinkDropped(() => this.reportFailure(null));
  }

  onApplicationBootstrap(): void {
    void this.watch();
  }

  onApplicationShutdown(): void {
    this.sleeper.stop();
  }

  get view(): LinkView {
    return { state: this.state, status: this.status, problem: this.problem };
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** Called each time the link comes up, the first time included. */
  onUp(listener: () => void): void {
    this.upListeners.push(listener);
  }

  /** Called whenever the state or the renderer's status changes. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Resolves once the link is up (or the gateway stops). */
  async untilUp(): Promise<void> {
    while (!this.connected && !this.sleeper.stopped) await this.sleeper.sleep(RETRY_MIN_MS);
  }

  /** Any part that failed to reach the renderer says so here; the next status request will tell more. */
  reportFailure(error: unknown): void {
    if (error instanceof RendererRefusedError) {
      if (this.state !== 'refused') this.logger.error(error.message);
      this.setState('refused', error.message);
      return;
    }
    if (this.state === 'connected') {
      const detail = error instanceof Error ? ` (${error.message})` : '';
      this.logger.warn(`Lost the link to the renderer${detail}; reconnecting.`);
      this.setState('reconnecting', 'The link to the renderer dropped; reconnecting.');
    } else if (this.state !== 'refused' && this.state !== 'reconnecting') {
      this.setState('down', error instanceof Error ? error.message : 'The renderer is not reachable.');
    }
  }

  get stopped(): boolean {
    return this.sleeper.stopped;
  }

  private async watch(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.sleeper.stopped) {
      try {
        const status = await this.client.send(RendererPattern.Status, {});
        const changed = JSON.stringify(status) !== JSON.stringify(this.status);
        this.status = status;
        if (this.state !== 'connected') {
          this.logger.log(`Renderer connected (${status.backendDescription}).`);
          this.setState('connected', null);
          for (const listener of this.upListeners) listener();
        } else if (changed) {
          this.changed();
        }
        delay = RETRY_MIN_MS;
        await this.sleeper.sleep(STATUS_INTERVAL_MS);
      } catch (error) {
        this.reportFailure(error);
        await this.sleeper.sleep(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private setState(state: LinkState, problem: string | null): void {
    if (state === this.state && problem === this.problem) return;
    this.state = state;
    this.problem = problem;
    if (state !== 'connected') this.status = this.status && { ...this.status, current: null };
    this.changed();
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }
}

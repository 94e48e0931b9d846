/**
 * How long to wait before the next progress read: the configured interval while the figures move, doubling up
 * to 8× (at most 5 s) while they do not. Every read costs the SD server something (A1111 and Forge decode a
 * live preview on /sdapi/v1/progress, SD.Next on every progress call), so a job that waits behind others or a
 * model that loads is not polled at full rate.
 */
export class PollInterval {
  private current: number;
  private last: string | undefined;

  constructor(private readonly baseMs: number) {
    this.current = baseMs;
  }

  /** The wait after a reading whose content is summarised by `key`. */
  next(key: string): number {
    if (key === this.last) {
      this.current = Math.min(this.current * 2, Math.max(this.baseMs, Math.min(this.baseMs * 8, 5_000)));
    } else {
      this.current = this.baseMs;
    }
    this.last = key;
    return this.current;
  }
}

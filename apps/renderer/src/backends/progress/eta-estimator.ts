/**
 * An ETA from the rate at which progress actually moves, instead of the server's own figure: A1111 reports
 * progress 0.01 while a model loads, so its `elapsed / progress` ETA reads about 99× the elapsed time. Until
 * progress has moved past its first reading there is no rate, so no ETA (null), which the panel shows as such.
 */
export class EtaEstimator {
  private first: { at: number; fraction: number } | null = null;

  /** Feeds a progress fraction (0..1); returns the seconds left, or null while there is no rate yet. */
  feed(fraction: number, at = Date.now()): number | null {
    if (!Number.isFinite(fraction) || fraction <= 0) return null;
    // While progress stands still (a model loading) the anchor moves along, so that wait is not in the rate.
    if (!this.first || fraction <= this.first.fraction) {
      this.first = { at, fraction };
      return null;
    }
    const moved = fraction - this.first.fraction;
    const elapsed = at - this.first.at;
    if (moved <= 0 || elapsed <= 0) return null;
    const seconds = ((1 - Math.min(1, fraction)) * elapsed) / moved / 1000;
    return Math.round(seconds * 10) / 10;
  }
}

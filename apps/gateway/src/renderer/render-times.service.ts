import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { RenderOrderRepository } from '../suggestions/render-order.repository.js';

/** Weight of the newest measurement in the running averages. */
const ALPHA = 0.3;
/** What a job is taken to cost before anything was measured: a few seconds for 512×512, as on a mid GPU. */
const DEFAULT_MS_PER_MEGAPIXEL = 20_000;
const MEGAPIXEL = 1024 * 1024;
/** Renders read back from the database at start, so estimates survive a gateway restart. */
const BOOTSTRAP_RENDERS = 200;

interface WorkerTimes {
  /** Running average per image size ("512x768"). */
  bySize: Map<string, number>;
  /** Running average of milliseconds per megapixel, for sizes not seen on this worker yet. */
  perMegapixel: number;
  /** Running average per image, whatever its size (images per minute). */
  perImage: number;
}

/**
 * Measured render times per worker and image size, from the renderers' own start and finish times of each
 * image. An estimate for a size a worker has not drawn yet scales its time per pixel; for a worker that
 * has drawn nothing yet, the other workers' average; before any measurement, a default (and `measured` is
 * false, so no one is shown a made-up wait).
 */
@Injectable()
export class RenderTimes implements OnApplicationBootstrap {
  private readonly logger = new Logger('RenderTimes');
  private readonly workers = new Map<string, WorkerTimes>();

  constructor(private readonly order: RenderOrderRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const rows = await this.order.listRecentRenderTimes(BOOTSTRAP_RENDERS);
      for (const row of rows.toReversed()) {
        this.record(row.worker, row.width, row.height, row.finishedAt.getTime() - row.startedAt.getTime());
      }
    } catch (error) {
      this.logger.warn(`Could not read past render times: ${(error as Error).message}`);
    }
  }

  get measured(): boolean {
    return this.workers.size > 0;
  }

  record(worker: string, width: number, height: number, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const megapixels = (width * height) / MEGAPIXEL;
    const times = this.workers.get(worker);
    if (!times) {
      // The first measurement replaces the default outright: a fast GPU is seen as fast at once.
      this.workers.set(worker, {
        bySize: new Map([[sizeKey(width, height), ms]]),
        perMegapixel: ms / megapixels,
        perImage: ms,
      });
      return;
    }
    const key = sizeKey(width, height);
    const known = times.bySize.get(key);
    times.bySize.set(key, known === undefined ? ms : blend(known, ms));
    times.perMegapixel = blend(times.perMegapixel, ms / megapixels);
    times.perImage = blend(times.perImage, ms);
  }

  /** Expected milliseconds for one image of this size on this worker. */
  estimateMs(worker: string, width: number, height: number): number {
    const times = this.workers.get(worker);
    const exact = times?.bySize.get(sizeKey(width, height));
    if (exact !== undefined) return exact;
    const megapixels = (width * height) / MEGAPIXEL;
    if (times) return times.perMegapixel * megapixels;
    return this.averagePerMegapixel() * megapixels;
  }

  /** Measured images per minute of a worker (at the sizes it drew), or null before its first image. */
  imagesPerMinute(worker: string): number | null {
    const times = this.workers.get(worker);
    return times && times.perImage > 0 ? 60_000 / times.perImage : null;
  }

  private averagePerMegapixel(): number {
    if (this.workers.size === 0) return DEFAULT_MS_PER_MEGAPIXEL;
    let sum = 0;
    for (const times of this.workers.values()) sum += times.perMegapixel;
    return sum / this.workers.size;
  }
}

/** What is left of the job a worker renders now: its own ETA when it has one, else by its progress. */
export function remainingMs(
  current: { percent: number; etaSeconds: number | null },
  estimateMs: number,
): number {
  return current.etaSeconds !== null
    ? current.etaSeconds * 1000
    : estimateMs * Math.max(0, 1 - current.percent / 100);
}

function sizeKey(width: number, height: number): string {
  return `${width}x${height}`;
}

function blend(average: number, sample: number): number {
  return average * (1 - ALPHA) + sample * ALPHA;
}

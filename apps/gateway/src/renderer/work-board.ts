import { Injectable } from '@nestjs/common';

/** A suggestion a worker has been handed and has not finished. */
export interface BoardJob {
  id: number;
  userId: number;
  width: number;
  height: number;
}

/**
 * What each worker has been handed and not finished, in the order it was sent: the dispatcher's memory of
 * the `worker` column of unfinished suggestions, so deciding where the next job goes reads no rows. Built
 * from the database at start; the dispatcher adds what it hands out and drops what finishes or comes back.
 * One per gateway, shared with what reads it (the wait estimates, the renderer panel).
 */
@Injectable()
export class WorkBoard {
  private readonly byWorker = new Map<string, Map<number, BoardJob>>();
  private readonly workerOf = new Map<number, string>();

  add(worker: string, job: BoardJob): void {
    this.remove(job.id);
    let jobs = this.byWorker.get(worker);
    if (!jobs) {
      jobs = new Map();
      this.byWorker.set(worker, jobs);
    }
    jobs.set(job.id, job);
    this.workerOf.set(job.id, worker);
  }

  remove(id: number): void {
    const worker = this.workerOf.get(id);
    if (worker === undefined) return;
    this.workerOf.delete(id);
    const jobs = this.byWorker.get(worker);
    jobs?.delete(id);
    if (jobs?.size === 0) this.byWorker.delete(worker);
  }

  clear(): void {
    this.byWorker.clear();
    this.workerOf.clear();
  }

  worker(id: number): string | undefined {
    return this.workerOf.get(id);
  }

  jobs(worker: string): BoardJob[] {
    return [...(this.byWorker.get(worker)?.values() ?? [])];
  }

  count(worker: string): number {
    return this.byWorker.get(worker)?.size ?? 0;
  }

  /** Workers holding at least one job. */
  workers(): string[] {
    return [...this.byWorker.keys()];
  }

  get size(): number {
    return this.workerOf.size;
  }
}

/**
 * modules/progress.py: the web UI's task tracker. API generations register their `force_task_id` (or a made-up
 * id) as pending before the queue lock, become current when they take it, and finished on success only (an
 * exception leaves them current until the next task starts, as in A1111). POST /internal/progress reads it.
 */
export class TaskTracker {
  current: string | null = null;
  private readonly pending = new Map<string, number>();
  private readonly finished: string[] = [];

  add(id: string): void {
    this.pending.set(id, Date.now());
  }

  start(id: string): void {
    this.current = id;
    this.pending.delete(id);
  }

  finish(id: string): void {
    if (this.current === id) this.current = null;
    this.finished.push(id);
    if (this.finished.length > 16) this.finished.shift();
  }

  /** progressapi's answer for a task that is not running (the running one gets its figures added). */
  status(id: unknown): { active: boolean; queued: boolean; completed: boolean; textinfo: string } {
    const key = typeof id === 'string' ? id : '';
    const active = key !== '' && key === this.current;
    const queued = this.pending.has(key);
    let textinfo = 'Waiting...';
    if (queued) {
      const order = [...this.pending.entries()].toSorted((a, b) => a[1] - b[1]).map(([task]) => task);
      textinfo = `In queue: ${order.indexOf(key) + 1}/${order.length}`;
    }
    return { active, queued, completed: this.finished.includes(key), textinfo };
  }
}

let counter = 0;
/** create_task_id: "task(txt2img-XXXXXXX)". */
export function createTaskId(kind: string): string {
  counter += 1;
  return `task(${kind}-${counter.toString(36).toUpperCase().padStart(7, '0')})`;
}

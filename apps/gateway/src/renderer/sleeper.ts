/** Sleeps that all end at once when the owner stops (shutdown), so no loop holds the process open. */
export class Sleeper {
  private readonly wakers = new Set<() => void>();
  stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const wake of this.wakers) wake();
  }
}

/**
 * A1111's `queue_lock`: one lock for generations and model switches, no queue limit, no visibility for
 * waiters. Ours is FIFO (Python's threading.Lock is not fair) so that tests are deterministic.
 */
export class ServerClosedError extends Error {
  constructor() {
    super('fake A1111 closed');
  }
}

export class QueueLock {
  private held = false;
  private readonly waiters: { grant: () => void; refuse: (error: Error) => void }[] = [];

  get waiting(): number {
    return this.waiters.length;
  }

  get locked(): boolean {
    return this.held;
  }

  async acquire(): Promise<() => void> {
    if (this.held) {
      await new Promise<void>((grant, refuse) => this.waiters.push({ grant, refuse }));
    } else {
      this.held = true;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the lock straight to the next waiter, so a newcomer in the same tick cannot slip in between.
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.held = false;
    };
  }

  /** Fails every waiter; used when the server closes so that no handler stays pending forever. */
  refuseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter.refuse(new ServerClosedError());
  }
}

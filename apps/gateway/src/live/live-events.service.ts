import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import type { LiveEvent } from './live-events.js';

/**
 * In-process fan-out of changes to open pages (server-sent events). Producers call `emit` after the change
 * is in the database, so a page that reloads on an event always finds it there.
 */
@Injectable()
export class LiveEventsService implements BeforeApplicationShutdown {
  private readonly events = new Subject<LiveEvent>();

  emit(event: LiveEvent): void {
    this.events.next(event);
  }

  all(): Observable<LiveEvent> {
    return this.events.asObservable();
  }

  /** Ends every open stream, so the HTTP server can close instead of waiting on event-stream connections. */
  beforeApplicationShutdown(): void {
    this.events.complete();
  }

  /** Only what concerns one guest: their own prompts, and changes every guest should see (settings). */
  forUser(userId: number): Observable<LiveEvent> {
    return this.events.pipe(filter((event) => event.userId === userId || event.type === 'settings.updated'));
  }
}

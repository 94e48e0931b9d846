import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import type { LiveEvent, SuggestionEvent } from './live-events.js';

/**
 * In-process fan-out of changes (to open pages, and to parts of the gateway that react to them, such as
 * the dispatcher). Producers emit after the change is in the database, so whoever reacts finds it there.
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

  suggestions(): Observable<SuggestionEvent> {
    return this.events.pipe(
      filter((event): event is SuggestionEvent => event.type.startsWith('suggestion.')),
    );
  }

  /** Ends every open stream, so the HTTP server can close instead of waiting on event-stream connections. */
  beforeApplicationShutdown(): void {
    this.events.complete();
  }

  /** Only what concerns one guest: their own suggestions, and changes every guest should see (settings). */
  forUser(userId: number): Observable<LiveEvent> {
    return this.events.pipe(
      filter((event) => event.type === 'settings.updated' || ('userId' in event && event.userId === userId)),
    );
  }
}

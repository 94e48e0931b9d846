import { Controller, MessageEvent, Req, Sse } from '@nestjs/common';
import { interval, map, Observable } from 'rxjs';
import { RendererPanelService } from '../admin/renderer-panel.service.js';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { GatewayConfig } from '../config/gateway.config.js';
import type { UserEntity } from '../users/user.entity.js';
import { LiveEventsService } from './live-events.service.js';
import type { LiveEvent } from './live-events.js';
import { LiveStreams } from './live-streams.service.js';

/**
 * Server-sent event streams of hints. Pages open them with EventSource, which reconnects by itself (after
 * a gateway restart too), re-read what they show after every (re)connection, and fetch what changed
 * through the same partials as a full page. Streams are capped (LiveStreams) and carry a heartbeat.
 */
@Controller()
export class LiveController {
  constructor(
    private readonly live: LiveEventsService,
    private readonly panel: RendererPanelService,
    private readonly streams: LiveStreams,
    private readonly config: GatewayConfig,
  ) {}

  /** Everything, for the host's pages; while one is open the renderer panel's snapshot is kept fresh. */
  @Roles('admin', 'moderator')
  @Sse('admin/events')
  adminEvents(@Req() req: AppRequest): Observable<MessageEvent> {
    this.streams.open(req);
    return this.withHeartbeat(
      new Observable<MessageEvent>((subscriber) => {
        const unwatch = this.panel.watch();
        const subscription = this.live.all().pipe(map(toMessage)).subscribe(subscriber);
        return () => {
          subscription.unsubscribe();
          unwatch();
        };
      }),
    );
  }

  /** A guest's own suggestions changing, and settings changes (e.g. the reveal). */
  @Sse('events')
  guestEvents(@CurrentUser() user: UserEntity, @Req() req: AppRequest): Observable<MessageEvent> {
    this.streams.open(req);
    return this.withHeartbeat(this.live.forUser(user.id).pipe(map(toMessage)));
  }

  /**
   * A comment line every few seconds (at most 20): a quiet stream would otherwise be cut by a proxy's
   * idle timeout (nginx's default is 60 s), and a client that left is noticed at the next write.
   */
  private withHeartbeat(events: Observable<MessageEvent>): Observable<MessageEvent> {
    const beats = interval(this.config.events.heartbeatMs).pipe(
      map((): MessageEvent => ({ comment: 'keep-alive' })),
    );
    return new Observable<MessageEvent>((subscriber) => {
      // The heartbeat ends with the events (at shutdown they complete), never on its own.
      const beat = beats.subscribe((message) => subscriber.next(message));
      const subscription = events.subscribe({
        next: (message) => subscriber.next(message),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        beat.unsubscribe();
        subscription.unsubscribe();
      };
    });
  }
}

/** The event's type and ids; who it concerns (userId) stays on the server. */
function toMessage(event: LiveEvent): MessageEvent {
  if (event.type === 'renderer.status') return { type: 'renderer', data: {} };
  if (event.type === 'settings.updated') return { type: event.type, data: {} };
  const { userId: _userId, type, ...data } = event;
  return { type, data };
}

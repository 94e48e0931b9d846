import { Controller, MessageEvent, Sse } from '@nestjs/common';
import { map, Observable } from 'rxjs';
import { RendererPanelService } from '../admin/renderer-panel.service.js';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { UserEntity } from '../users/user.entity.js';
import { LiveEventsService } from './live-events.service.js';
import type { LiveEvent } from './live-events.js';

/**
 * Server-sent event streams of hints. Pages open them with EventSource, which reconnects by itself (after
 * a gateway restart too), and fetch what changed through the same partials as a full page.
 */
@Controller()
export class LiveController {
  constructor(
    private readonly live: LiveEventsService,
    private readonly panel: RendererPanelService,
  ) {}

  /** Everything, for the host's pages; while one is open the renderer panel's snapshot is kept fresh. */
  @Roles('admin', 'moderator')
  @Sse('admin/events')
  adminEvents(): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      const unwatch = this.panel.watch();
      const subscription = this.live.all().pipe(map(toMessage)).subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        unwatch();
      };
    });
  }

  /** A guest's own suggestions changing, and settings changes (e.g. the reveal). */
  @Sse('events')
  guestEvents(@CurrentUser() user: UserEntity): Observable<MessageEvent> {
    return this.live.forUser(user.id).pipe(map(toMessage));
  }
}

/** The event's type and ids; who it concerns (userId) stays on the server. */
function toMessage(event: LiveEvent): MessageEvent {
  if (event.type === 'renderer.status') return { type: 'renderer', data: {} };
  if (event.type === 'settings.updated') return { type: event.type, data: {} };
  const { userId: _userId, type, ...data } = event;
  return { type, data };
}

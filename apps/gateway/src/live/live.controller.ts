import { Controller, MessageEvent, Sse } from '@nestjs/common';
import {
  defer,
  interval,
  map,
  merge,
  Observable,
  startWith,
  switchMap,
  throttleTime,
  filter,
  takeUntil,
  last,
  EMPTY,
  catchError,
} from 'rxjs';
import { RendererPanelService } from '../admin/renderer-panel.service.js';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { UserEntity } from '../users/user.entity.js';
import { LiveEventsService } from './live-events.service.js';
import type { LiveEvent } from './live-events.js';

/** Renderer panel refresh: at most this often, and at least this often while nothing else happens. */
const PANEL_MIN_INTERVAL_MS = 500;
const PANEL_HEARTBEAT_MS = 2_000;

/**
 * Server-sent event streams. Pages open them with EventSource, which reconnects by itself (after a gateway
 * restart too); every event is a hint to update, and the data it carries is already in the database.
 */
@Controller()
export class LiveController {
  constructor(
    private readonly live: LiveEventsService,
    private readonly panel: RendererPanelService,
  ) {}

  /** Everything, plus renderer panel snapshots, for the host's pages. */
  @Roles('admin', 'moderator')
  @Sse('admin/events')
  adminEvents(): Observable<MessageEvent> {
    const events = this.live.all();
    const done = events.pipe(last(undefined, null));
    const panelTriggers = merge(events, interval(PANEL_HEARTBEAT_MS)).pipe(
      startWith(null),
      throttleTime(PANEL_MIN_INTERVAL_MS, undefined, { leading: true, trailing: true }),
      switchMap(() => defer(() => this.panel.snapshot()).pipe(catchError(() => EMPTY))),
      map((snapshot): MessageEvent => ({ type: 'renderer', data: snapshot })),
      takeUntil(done),
    );
    return merge(
      events.pipe(
        filter((event) => event.type !== 'renderer.status'),
        map(toMessage),
      ),
      panelTriggers,
    );
  }

  /** A guest's own prompts changing status, and settings changes (e.g. the reveal). */
  @Sse('events')
  guestEvents(@CurrentUser() user: UserEntity): Observable<MessageEvent> {
    return this.live.forUser(user.id).pipe(map(toMessage));
  }
}

function toMessage(event: LiveEvent): MessageEvent {
  const { userId: _userId, ...data } = event;
  return { type: event.type, data };
}

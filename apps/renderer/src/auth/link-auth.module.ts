import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { LinkAuthGuard } from './link-auth.guard.js';
import { LinkHelloController } from './link-hello.controller.js';
import { LinkSessions } from './link-sessions.service.js';

/** The link handshake and, secure by default, a proof of the token on every other message pattern. */
@Module({
  controllers: [LinkHelloController],
  providers: [LinkSessions, { provide: APP_GUARD, useClass: LinkAuthGuard }],
})
export class LinkAuthModule {}

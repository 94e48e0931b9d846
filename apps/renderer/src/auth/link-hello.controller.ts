import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException, type TcpContext } from '@nestjs/microservices';
import { LINK_HELLO_PATTERN, LinkHelloRequestSchema, rendererError, type LinkHelloReply } from '#contracts';
import { LinkSessions } from './link-sessions.service.js';

/** The handshake that starts every connection: the one message the guard lets through without a proof. */
@Controller()
export class LinkHelloController {
  constructor(private readonly sessions: LinkSessions) {}

  @MessagePattern(LINK_HELLO_PATTERN)
  hello(@Payload() payload: unknown, @Ctx() context: TcpContext): LinkHelloReply {
    const request = LinkHelloRequestSchema.safeParse(payload);
    if (!request.success) {
      throw new RpcException(rendererError('INVALID_PAYLOAD', `Invalid ${LINK_HELLO_PATTERN} payload`));
    }
    const reply = this.sessions.hello(context.getSocketRef() as object, request.data);
    if (!reply) {
      throw new RpcException(rendererError('INVALID_PAYLOAD', 'This connection has already said hello'));
    }
    return reply;
  }
}

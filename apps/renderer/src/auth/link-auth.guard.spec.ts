import { Logger, type ExecutionContext } from '@nestjs/common';
import { RpcException, TcpContext, type TcpSocket } from '@nestjs/microservices';
import { LinkClientSession, LINK_HELLO_PATTERN, RENDERER_PROOF_METADATA_KEY } from '#contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RendererConfig } from '../config/renderer.config.js';
import { LinkAuthGuard } from './link-auth.guard.js';
import { LinkSessions } from './link-sessions.service.js';

const TOKEN = 'the-shared-renderer-token';

function context(socket: object, pattern: string, data: unknown, proof?: string): ExecutionContext {
  const metadata = proof === undefined ? undefined : { [RENDERER_PROOF_METADATA_KEY]: proof };
  const tcp = new TcpContext([socket as TcpSocket, pattern, metadata]);
  return {
    switchToRpc: () => ({ getContext: () => tcp, getData: () => data }),
  } as unknown as ExecutionContext;
}

function refusal(guard: LinkAuthGuard, ctx: ExecutionContext): unknown {
  try {
    guard.canActivate(ctx);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A renderer's sessions and guard, and a gateway session that has shaken hands on `socket`. */
function linked(token = TOKEN) {
  const sessions = new LinkSessions({ token: TOKEN } as RendererConfig);
  const guard = new LinkAuthGuard(sessions);
  const socket = { authenticated: () => (state.authenticated = true) };
  const state = { authenticated: false };
  const gateway = new LinkClientSession(token);
  const reply = sessions.hello(socket, gateway.hello())!;
  return { sessions, guard, socket, state, gateway, proven: gateway.accept(reply) };
}

describe('LinkAuthGuard and LinkSessions', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('lets the hello through without a proof, and a signed message after it', () => {
    const { guard, socket, state, gateway, proven } = linked();
    expect(proven).toBe(true);
    expect(guard.canActivate(context(socket, LINK_HELLO_PATTERN, { nonce: 'x' }))).toBe(true);
    expect(state.authenticated).toBe(false);
    const data = { jobs: [{ suggestionId: 1 }] };
    expect(
      guard.canActivate(context(socket, 'render.enqueue', data, gateway.sign('render.enqueue', data))),
    ).toBe(true);
    expect(state.authenticated).toBe(true);
  });

  it('a gateway with another token does not accept the renderer, and its proofs are refused', () => {
    const { guard, socket, proven } = linked('another-token-entirely');
    expect(proven).toBe(false);
    const impostor = new LinkClientSession('another-token-entirely');
    // Forced: sign as if the handshake had succeeded.
    (impostor as unknown as { rendererNonce: string }).rendererNonce = 'A'.repeat(43);
    const error = refusal(guard, context(socket, 'render.pause', {}, impostor.sign('render.pause', {})));
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it.each([
    ['no proof', undefined],
    ['a malformed proof', 'not-a-proof'],
    ['the token itself', TOKEN],
  ])('refuses %s', (_label, proof) => {
    const { guard, socket } = linked();
    expect(
      (refusal(guard, context(socket, 'render.status', {}, proof)) as RpcException).getError(),
    ).toMatchObject({
      status: 'error',
      code: 'UNAUTHORIZED',
    });
  });

  it('refuses a proof used twice, one for another payload or pattern, and one from another connection', () => {
    const { sessions, guard, socket, gateway } = linked();
    const proof = gateway.sign('render.pause', {});
    expect(guard.canActivate(context(socket, 'render.pause', {}, proof))).toBe(true);
    expect(refusal(guard, context(socket, 'render.pause', {}, proof))).toBeInstanceOf(RpcException);
    const next = gateway.sign('render.cancel', { suggestionId: 1 });
    expect(refusal(guard, context(socket, 'render.cancel', { suggestionId: 2 }, next))).toBeInstanceOf(
      RpcException,
    );
    expect(refusal(guard, context(socket, 'render.pause', { suggestionId: 1 }, next))).toBeInstanceOf(
      RpcException,
    );
    const otherSocket = {};
    sessions.hello(otherSocket, new LinkClientSession(TOKEN).hello());
    expect(refusal(guard, context(otherSocket, 'render.cancel', { suggestionId: 1 }, next))).toBeInstanceOf(
      RpcException,
    );
    // Still good where it was made, for what it was made for.
    expect(guard.canActivate(context(socket, 'render.cancel', { suggestionId: 1 }, next))).toBe(true);
  });

  it('refuses a message on a connection that never shook hands, and a second hello', () => {
    const { sessions, guard, gateway, socket } = linked();
    expect(
      refusal(guard, context({}, 'render.status', {}, gateway.sign('render.status', {}))),
    ).toBeInstanceOf(RpcException);
    expect(sessions.hello(socket, new LinkClientSession(TOKEN).hello())).toBeNull();
  });

  it('accepts sequence numbers out of order once each, within the replay window', () => {
    const { guard, socket, gateway } = linked();
    const proofs = Array.from({ length: 5 }, () => gateway.sign('render.status', {}));
    for (const proof of [proofs[2], proofs[0], proofs[4], proofs[1], proofs[3]]) {
      expect(guard.canActivate(context(socket, 'render.status', {}, proof))).toBe(true);
    }
    for (const proof of proofs)
      expect(refusal(guard, context(socket, 'render.status', {}, proof))).toBeDefined();
  });
});

import { Logger, type ExecutionContext } from '@nestjs/common';
import { RpcException, TcpContext, type TcpSocket } from '@nestjs/microservices';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RendererConfig } from '../config/renderer.config.js';
import { RendererTokenGuard } from './renderer-token.guard.js';

const guard = new RendererTokenGuard({ token: 'the-shared-renderer-token' } as RendererConfig);

function contextWith(metadata: Record<string, string> | undefined): ExecutionContext {
  const tcp = new TcpContext([{} as TcpSocket, 'render.enqueue', metadata]);
  return {
    switchToRpc: () => ({ getContext: () => tcp, getData: () => ({}) }),
  } as unknown as ExecutionContext;
}

function refusal(metadata: Record<string, string> | undefined): unknown {
  try {
    guard.canActivate(contextWith(metadata));
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('RendererTokenGuard', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('lets a message with the right token through', () => {
    expect(guard.canActivate(contextWith({ token: 'the-shared-renderer-token' }))).toBe(true);
  });

  it.each([
    ['no metadata', undefined],
    ['no token', { trace: 'x' }],
    ['a wrong token', { token: 'the-shared-renderer-tokeN' }],
    ['a prefix of the token', { token: 'the-shared' }],
  ])('refuses %s with an UNAUTHORIZED RpcException', (_label, metadata) => {
    const error = refusal(metadata);
    expect(error).toBeInstanceOf(RpcException);
    expect((error as RpcException).getError()).toMatchObject({ status: 'error', code: 'UNAUTHORIZED' });
  });
});

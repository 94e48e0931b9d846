import { RpcException } from '@nestjs/microservices';
import { DEFAULT_GENERATION_SETTINGS, RendererPattern } from '#contracts';
import { describe, expect, it } from 'vitest';
import { ContractPayloadPipe } from './contract-payload.pipe.js';

const job = {
  suggestionId: 1,
  prompt: 'a cat',
  width: 512,
  height: 512,
  settings: DEFAULT_GENERATION_SETTINGS,
  colourHex: '#ff7f50',
};

function errorOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RpcException);
    return (error as RpcException).getError() as Record<string, unknown>;
  }
  throw new Error('expected a refusal');
}

describe('ContractPayloadPipe', () => {
  it('passes a valid payload through the contract schema', () => {
    const pipe = new ContractPayloadPipe(RendererPattern.Enqueue);
    expect(pipe.transform({ jobs: [job] })).toEqual({ jobs: [job] });
    expect(new ContractPayloadPipe(RendererPattern.Results).transform({ waitMs: 0, max: 5 })).toEqual({
      waitMs: 0,
      max: 5,
    });
  });

  it('refuses an invalid payload with the pattern and the fields at fault', () => {
    const pipe = new ContractPayloadPipe(RendererPattern.Enqueue);
    const error = errorOf(() => pipe.transform({ jobs: [{ ...job, width: 500, colourHex: 'red' }] }));
    expect(error['code']).toBe('INVALID_PAYLOAD');
    expect(error['message']).toMatch(/^Invalid render\.enqueue payload: /);
    expect(error['message']).toContain('jobs.0.width');
    expect(error['message']).toContain('jobs.0.colourHex');
  });

  it('refuses payloads that are not objects and extra keys on empty requests', () => {
    expect(
      errorOf(() => new ContractPayloadPipe(RendererPattern.Ack).transform('ack everything'))['code'],
    ).toBe('INVALID_PAYLOAD');
    expect(
      errorOf(() => new ContractPayloadPipe(RendererPattern.Status).transform({ evil: true }))['code'],
    ).toBe('INVALID_PAYLOAD');
  });
});

import { type PipeTransform } from '@nestjs/common';
import { Payload, RpcException } from '@nestjs/microservices';
import { RendererContract, rendererError, type RendererPattern, type RendererRequest } from '#contracts';
import type { z } from 'zod';

const MAX_LISTED_ISSUES = 5;

/** Parses a message payload with the request schema the contract ties to its pattern. */
export class ContractPayloadPipe<P extends RendererPattern> implements PipeTransform<
  unknown,
  RendererRequest<P>
> {
  private readonly schema: z.ZodType<RendererRequest<P>>;

  constructor(private readonly pattern: P) {
    this.schema = RendererContract[pattern].request as unknown as z.ZodType<RendererRequest<P>>;
  }

  transform(value: unknown): RendererRequest<P> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues;
    const listed = issues
      .slice(0, MAX_LISTED_ISSUES)
      .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`);
    const more = issues.length > MAX_LISTED_ISSUES ? `; and ${issues.length - MAX_LISTED_ISSUES} more` : '';
    throw new RpcException(
      rendererError('INVALID_PAYLOAD', `Invalid ${this.pattern} payload: ${listed.join('; ')}${more}`),
    );
  }
}

/** `@ContractPayload(RendererPattern.Enqueue)`: the payload, validated against the shared contract. */
export const ContractPayload = <P extends RendererPattern>(pattern: P) =>
  Payload(new ContractPayloadPipe(pattern));

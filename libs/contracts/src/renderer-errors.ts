import { z } from 'zod';

/**
 * The renderer's error replies. Nest hands an RpcException's object to the client as-is, so the gateway
 * branches on `code` rather than parsing messages:
 * - UNAUTHORIZED: the message's proof of the shared token was missing or wrong (a configuration mistake:
 *   the two apps do not share RENDERER_TOKEN);
 * - INVALID_PAYLOAD: the message did not match the contract (a bug, or two versions that do not match);
 * - INTERNAL: the handler itself failed.
 */
export const RENDERER_ERROR_CODES = ['UNAUTHORIZED', 'INVALID_PAYLOAD', 'INTERNAL'] as const;
export type RendererErrorCode = (typeof RENDERER_ERROR_CODES)[number];

export const RendererErrorReplySchema = z.object({
  status: z.literal('error'),
  code: z.enum(RENDERER_ERROR_CODES),
  message: z.string().max(2000),
});
export type RendererErrorReply = z.infer<typeof RendererErrorReplySchema>;

export function rendererError(code: RendererErrorCode, message: string): RendererErrorReply {
  return { status: 'error', code, message };
}

/**
 * Error replies the renderer sends. RpcException objects reach the client as-is, so the gateway can branch on
 * `code` rather than parse messages.
 */
export type RendererErrorCode = 'UNAUTHORIZED' | 'INVALID_PAYLOAD';

export interface RendererErrorReply {
  status: 'error';
  code: RendererErrorCode;
  message: string;
}

export function rendererError(code: RendererErrorCode, message: string): RendererErrorReply {
  return { status: 'error', code, message };
}

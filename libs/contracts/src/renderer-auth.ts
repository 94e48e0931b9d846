import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * How the gateway and a renderer prove to each other that they share RENDERER_TOKEN without ever sending
 * it. Per connection, a handshake (`link.hello`): the gateway sends a fresh nonce; the renderer answers
 * with its own nonce and an HMAC over both (so a squatter on the renderer's port, which cannot compute
 * it, is sent nothing else). Then every message carries, in its packet metadata, a sequence number and an
 * HMAC over both nonces, that number, the pattern and the payload: it cannot be altered, replayed on the
 * same connection (each number counts once) or on another one (other nonces).
 */
export const LINK_HELLO_PATTERN = 'link.hello';

/** The packet metadata key of a message's proof. */
export const RENDERER_PROOF_METADATA_KEY = 'proof';

const nonce = z.string().regex(/^[A-Za-z0-9_-]{43}$/, { error: 'must be 32 random bytes, base64url' });
const mac = z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be an HMAC-SHA256, hex' });

export const LinkHelloRequestSchema = z.object({ nonce }).strict();
export type LinkHelloRequest = z.infer<typeof LinkHelloRequestSchema>;
export const LinkHelloReplySchema = z.object({ nonce, proof: mac }).strict();
export type LinkHelloReply = z.infer<typeof LinkHelloReplySchema>;

/** A message's proof; it travels in the packet metadata (string values only) as `<seq>.<mac>`. */
export interface MessageProof {
  seq: number;
  mac: string;
}

export const MessageProofSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,14}\.[0-9a-f]{64}$/)
  .transform((text): MessageProof => {
    const [seq, value] = text.split('.');
    return { seq: Number(seq), mac: value };
  });

export function encodeProof(proof: MessageProof): string {
  return `${proof.seq}.${proof.mac}`;
}

export function newLinkNonce(): string {
  return randomBytes(32).toString('base64url');
}

function hmac(token: string, ...parts: string[]): string {
  return createHmac('sha256', token).update(parts.join('\n')).digest('hex');
}

/** The renderer's answer to a hello: it knows the token, for these two nonces. */
export function rendererProof(token: string, gatewayNonce: string, rendererNonce: string): string {
  return hmac(token, 'vernissage-link/renderer', gatewayNonce, rendererNonce);
}

/** A message's HMAC: bound to the connection (both nonces), its sequence number, pattern and payload. */
export function messageMac(
  token: string,
  link: { gatewayNonce: string; rendererNonce: string },
  seq: number,
  pattern: string,
  data: unknown,
): string {
  return hmac(
    token,
    'vernissage-link/gateway',
    link.gatewayNonce,
    link.rendererNonce,
    String(seq),
    pattern,
    JSON.stringify(data) ?? '',
  );
}

/** Constant-time comparison of two hex MACs (false for anything malformed). */
export function macsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}

/**
 * The gateway's side of one connection: makes the hello, checks the renderer's answer, then signs each
 * message with the next sequence number. A new connection needs a new session.
 */
export class LinkClientSession {
  readonly gatewayNonce = newLinkNonce();
  private rendererNonce: string | null = null;
  private seq = 0;

  constructor(private readonly token: string) {}

  hello(): LinkHelloRequest {
    return { nonce: this.gatewayNonce };
  }

  /** True when the reply proves the renderer knows the token; only then will this session sign. */
  accept(reply: LinkHelloReply): boolean {
    if (!macsEqual(reply.proof, rendererProof(this.token, this.gatewayNonce, reply.nonce))) return false;
    this.rendererNonce = reply.nonce;
    return true;
  }

  get established(): boolean {
    return this.rendererNonce !== null;
  }

  /** The proof for the next message, as its packet metadata value. */
  sign(pattern: string, data: unknown): string {
    if (this.rendererNonce === null) throw new Error('the renderer has not proved itself on this connection');
    this.seq += 1;
    const link = { gatewayNonce: this.gatewayNonce, rendererNonce: this.rendererNonce };
    return encodeProof({ seq: this.seq, mac: messageMac(this.token, link, this.seq, pattern, data) });
  }
}

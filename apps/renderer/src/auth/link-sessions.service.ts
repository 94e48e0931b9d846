import { Inject, Injectable } from '@nestjs/common';
import {
  macsEqual,
  messageMac,
  newLinkNonce,
  rendererProof,
  type LinkHelloReply,
  type LinkHelloRequest,
  type MessageProof,
} from '#contracts';
import { RENDERER_CONFIG, type RendererConfig } from '../config/renderer.config.js';
import { hasAuthDeadline } from '../transport/bounded-json-socket.js';

/** Sequence numbers remembered per connection to refuse a replay; older ones are refused outright. */
const REPLAY_WINDOW = 4096;

interface Link {
  gatewayNonce: string;
  rendererNonce: string;
  /** The highest sequence number accepted so far, and those accepted within the window below it. */
  highest: number;
  seen: Set<number>;
}

export type ProofVerdict = 'ok' | 'no handshake' | 'no proof' | 'wrong proof' | 'replayed';

/**
 * The renderer's side of the link handshake (see renderer-auth.ts in the contracts), per connection: the
 * nonces of its hello, and which sequence numbers have been used. Keyed by the connection's socket, so a
 * proof made for one connection means nothing on another.
 */
@Injectable()
export class LinkSessions {
  private readonly links = new WeakMap<object, Link>();

  constructor(@Inject(RENDERER_CONFIG) private readonly config: RendererConfig) {}

  /** Answers a hello with a fresh nonce and the proof that this renderer knows the token; once per connection. */
  hello(socket: object, request: LinkHelloRequest): LinkHelloReply | null {
    if (this.links.has(socket)) return null;
    const rendererNonce = newLinkNonce();
    this.links.set(socket, { gatewayNonce: request.nonce, rendererNonce, highest: 0, seen: new Set() });
    return { nonce: rendererNonce, proof: rendererProof(this.config.token, request.nonce, rendererNonce) };
  }

  /** Checks a message's proof; a good one is used up, and marks its connection as authenticated. */
  verify(socket: object, pattern: string, data: unknown, proof: MessageProof | undefined): ProofVerdict {
    const link = this.links.get(socket);
    if (!link) return 'no handshake';
    if (!proof) return 'no proof';
    if (!macsEqual(proof.mac, messageMac(this.config.token, link, proof.seq, pattern, data))) {
      return 'wrong proof';
    }
    if (proof.seq <= link.highest - REPLAY_WINDOW || link.seen.has(proof.seq)) return 'replayed';
    link.seen.add(proof.seq);
    if (proof.seq > link.highest) {
      link.highest = proof.seq;
      for (const old of link.seen) if (old <= link.highest - REPLAY_WINDOW) link.seen.delete(old);
    }
    if (hasAuthDeadline(socket)) socket.authenticated();
    return 'ok';
  }
}

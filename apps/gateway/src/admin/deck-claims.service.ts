import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock.js';

/** How long a deck holds its card without asking again; the deck page renews it well before. */
export const CLAIM_MS = 30_000;
/** A deck not heard from for this long is forgotten (its skips with it). */
const DECK_IDLE_MS = 10 * 60_000;

interface Deck {
  current: number | null;
  until: number;
  skipped: Set<number>;
  seenAt: number;
}

/**
 * Soft claims, so several moderators on decks each see a different prompt: a deck holds its current card
 * for a short while; others skip it. In memory: a claim is a courtesy between open pages, not a lock (a
 * decision from anywhere still applies, and the lifecycle makes sure only one does).
 */
@Injectable()
export class DeckClaims {
  private readonly decks = new Map<string, Deck>();

  constructor(private readonly clock: Clock) {}

  private now(): number {
    return this.clock.now().getTime();
  }

  /** Cards other live decks hold now, and what this deck skipped: the next card is none of these. */
  excludedFor(deckId: string): number[] {
    this.forgetIdle();
    const now = this.now();
    const excluded = new Set<number>(this.deck(deckId).skipped);
    for (const [id, deck] of this.decks) {
      if (id !== deckId && deck.current !== null && deck.until > now) excluded.add(deck.current);
    }
    return [...excluded];
  }

  /** Whether another deck holds this card now. */
  heldByOther(deckId: string, suggestionId: number): boolean {
    const now = this.now();
    for (const [id, deck] of this.decks) {
      if (id !== deckId && deck.current === suggestionId && deck.until > now) return true;
    }
    return false;
  }

  /** Takes the card unless another deck holds it (checked and taken at once: no await in between). */
  claim(deckId: string, suggestionId: number): boolean {
    if (this.heldByOther(deckId, suggestionId)) return false;
    const deck = this.deck(deckId);
    deck.current = suggestionId;
    deck.until = this.now() + CLAIM_MS;
    return true;
  }

  current(deckId: string): number | null {
    const deck = this.decks.get(deckId);
    return deck && deck.until > this.now() ? deck.current : null;
  }

  /** The deck puts its card back at the end of its own pile; others may take it at once. */
  skip(deckId: string, suggestionId: number): void {
    const deck = this.deck(deckId);
    deck.skipped.add(suggestionId);
    if (deck.current === suggestionId) deck.current = null;
  }

  /** Everything skipped comes round again (the pile ran out). */
  forgetSkips(deckId: string): boolean {
    const deck = this.deck(deckId);
    const had = deck.skipped.size > 0;
    deck.skipped.clear();
    return had;
  }

  /** Decided (from anywhere): no deck holds it any more. */
  release(suggestionId: number): void {
    for (const deck of this.decks.values()) {
      if (deck.current === suggestionId) deck.current = null;
      deck.skipped.delete(suggestionId);
    }
  }

  private deck(deckId: string): Deck {
    let deck = this.decks.get(deckId);
    if (!deck) {
      deck = { current: null, until: 0, skipped: new Set(), seenAt: this.now() };
      this.decks.set(deckId, deck);
    }
    deck.seenAt = this.now();
    return deck;
  }

  private forgetIdle(): void {
    const cutoff = this.now() - DECK_IDLE_MS;
    for (const [id, deck] of this.decks) if (deck.seenAt < cutoff) this.decks.delete(id);
  }
}

import { describe, expect, it } from 'vitest';
import { Clock } from '../common/clock.js';
import { CLAIM_MS, DeckClaims } from './deck-claims.service.js';

class FakeClock extends Clock {
  at = 1_000_000;
  override now(): Date {
    return new Date(this.at);
  }
}

describe('DeckClaims', () => {
  it('a card one deck holds is left out for every other deck, and only for them', () => {
    const claims = new DeckClaims(new FakeClock());
    expect(claims.claim('ada', 1)).toBe(true);
    expect(claims.excludedFor('bo')).toEqual([1]);
    expect(claims.excludedFor('ada')).toEqual([]);
    expect(claims.claim('bo', 1)).toBe(false);
    expect(claims.heldByOther('bo', 1)).toBe(true);
    // Taking a new card lets the old one go.
    expect(claims.claim('ada', 2)).toBe(true);
    expect(claims.excludedFor('bo')).toEqual([2]);
    expect(claims.claim('bo', 1)).toBe(true);
    expect(claims.current('bo')).toBe(1);
  });

  it('a claim is short: a deck that stopped asking loses its card', () => {
    const clock = new FakeClock();
    const claims = new DeckClaims(clock);
    claims.claim('ada', 7);
    clock.at += CLAIM_MS - 1;
    expect(claims.claim('bo', 7)).toBe(false);
    clock.at += 1;
    expect(claims.current('ada')).toBeNull();
    expect(claims.claim('bo', 7)).toBe(true);
  });

  it('skip: the card goes to the end of this deck’s own pile, free for others at once', () => {
    const claims = new DeckClaims(new FakeClock());
    claims.claim('ada', 3);
    claims.skip('ada', 3);
    expect(claims.excludedFor('ada')).toEqual([3]);
    expect(claims.excludedFor('bo')).toEqual([]);
    expect(claims.forgetSkips('ada')).toBe(true);
    expect(claims.excludedFor('ada')).toEqual([]);
    expect(claims.forgetSkips('ada')).toBe(false);
  });

  it('a card decided anywhere is released from every deck', () => {
    const claims = new DeckClaims(new FakeClock());
    claims.claim('ada', 4);
    claims.skip('bo', 4);
    claims.release(4);
    expect(claims.current('ada')).toBeNull();
    expect(claims.excludedFor('bo')).toEqual([]);
  });
});

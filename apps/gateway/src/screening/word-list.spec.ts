import { describe, expect, it } from 'vitest';
import { WordList, cleanTerm, highlight, isMatchableTerm } from './word-list.js';

const found = (terms: string[], text: string) => WordList.of(terms).termsIn(text);

describe('WordList', () => {
  it('matches whatever the case', () => {
    expect(found(['ass'], 'what an ASS')).toEqual(['ass']);
    expect(found(['Gore'], 'gore everywhere')).toEqual(['Gore']);
  });

  it('matches through accents, in the text and in the term', () => {
    expect(found(['ass'], 'Äss and more')).toEqual(['ass']);
    // A combining accent written as its own character.
    expect(found(['ass'], 'A\u0301ss')).toEqual(['ass']);
    expect(found(['crème brûlée'], 'a CREME BRULEE tower')).toEqual(['crème brûlée']);
    expect(found(['creme brulee'], 'crème   brûlée!')).toEqual(['creme brulee']);
  });

  it('matches leetspeak and look-alike letters', () => {
    expect(found(['ass'], 'a$$ hat')).toEqual(['ass']);
    expect(found(['ass'], '@55')).toEqual(['ass']);
    expect(found(['nazi'], 'n4z1 flag')).toEqual(['nazi']);
    expect(found(['ass'], 'ａｓｓ')).toEqual(['ass']);
    // A term with digits of its own still matches itself.
    expect(found(['4chan'], 'posted on 4chan')).toEqual(['4chan']);
  });

  it('keeps to word boundaries: no hit inside longer words', () => {
    for (const text of ['a class act', 'the assassin', 'glasses', 'bass guitar', 'passage', 'as s']) {
      expect(found(['ass'], text), text).toEqual([]);
    }
    expect(found(['ass'], 'glass-ass')).toEqual(['ass']);
    expect(found(['ass'], 'my ass.')).toEqual(['ass']);
    expect(found(['ass'], 'ass!')).toEqual(['ass']);
    expect(found(['gore'], 'Al Gore')).toEqual(['gore']);
    expect(found(['gore'], 'gorgeous')).toEqual([]);
  });

  it('takes pattern characters in a term literally', () => {
    expect(found(['[x]'], 'an x marks it')).toEqual([]);
    expect(found(['a?b'], 'acb')).toEqual([]);
    expect(found(['a?b'], 'a?b')).toEqual(['a?b']);
  });

  it('reports each term once, in list order, and nothing for an empty list', () => {
    expect(found(['blood', 'gore'], 'gore, blood and more gore')).toEqual(['blood', 'gore']);
    expect(found([], 'anything')).toEqual([]);
    expect(WordList.of(['  ', '']).empty).toBe(true);
  });

  it('gives the offsets in the original text, for highlighting', () => {
    const text = 'Ünter a$$ and ÄSS 🎉ass';
    const hits = WordList.of(['ass']).matches(text);
    expect(hits.map((hit) => text.slice(hit.start, hit.end))).toEqual(['a$$', 'ÄSS', 'ass']);
    expect(highlight(text, hits)).toEqual([
      { text: 'Ünter ', hit: false },
      { text: 'a$$', hit: true },
      { text: ' and ', hit: false },
      { text: 'ÄSS', hit: true },
      { text: ' 🎉', hit: false },
      { text: 'ass', hit: true },
    ]);
  });

  it('tidies and judges terms as the host typed them', () => {
    expect(cleanTerm('  blue   waffle ')).toBe('blue waffle');
    expect(cleanTerm('   ')).toBeNull();
    expect(isMatchableTerm('ass')).toBe(true);
    expect(isMatchableTerm('!!!')).toBe(false);
  });
});

import {
  DataSet,
  collapseDuplicatesTransformer,
  RegExpMatcher,
  createSimpleTransformer,
  parseRawPattern,
  remapCharactersTransformer,
  resolveConfusablesTransformer,
  toAsciiLowerCaseTransformer,
} from 'obscenity';

/** Longest term a host may put on a list, and how many terms one list holds. */
export const TERM_MAX_LENGTH = 60;
export const TERMS_MAX_COUNT = 500;

/** Where a term was found in a text: `start` inclusive, `end` exclusive (UTF-16 offsets of the original). */
export interface WordHit {
  term: string;
  start: number;
  end: number;
}

/** A piece of a text, marked when it is part of a hit (for highlighting; drawn escaped like any text). */
export interface TextPart {
  text: string;
  hit: boolean;
}

/**
 * Letters as obscenity's leetspeak resolver reads them, minus `!` and `|`: those end sentences and separate
 * words far more often than they stand for an i ("ass!" must still be found by the plain pass anyway).
 */
const LEET: Record<string, string> = {
  a: '@4',
  c: '(',
  e: '3',
  g: '6',
  i: '1',
  l: '/',
  o: '0',
  s: '$5',
  t: '7',
  z: '2',
};

/** Accents off and any case folded, one character at a time (obscenity keeps track of the original offsets). */
const foldCharacter = createSimpleTransformer((code) => {
  const folded = String.fromCodePoint(code).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  // A lone combining accent ("a" + U+0301) folds to nothing: skipped, so "á" written that way still matches.
  if (folded.length === 0) return undefined;
  const first = folded.codePointAt(0)!;
  return String.fromCodePoint(first).length === folded.length ? first : code;
});

type SimpleChain = ReturnType<typeof createSimpleTransformer>[];
interface Pass {
  matcher: RegExpMatcher;
  terms: DataSet<{ term: string }>;
}

const PLAIN: SimpleChain = [foldCharacter, resolveConfusablesTransformer(), toAsciiLowerCaseTransformer()];
const WITH_LEET: SimpleChain = [...PLAIN, remapCharactersTransformer(LEET), toAsciiLowerCaseTransformer()];

/** Characters obscenity's pattern syntax gives a meaning to, escaped so a term is taken literally. */
const PATTERN_SPECIAL = /[\\[\]?|]/g;

/**
 * A host's list of words (Hold words or Deny words), matched with obscenity: case, accents, look-alike
 * Unicode letters and leetspeak ("a$$", "ÄSS", "ａｓｓ") all match "ass", always on word boundaries, so
 * "class" or "assassin" do not. Two passes, plain and with leetspeak read as letters, so a digit or symbol
 * in the text ("ass!", "4chan") is not lost to the leetspeak reading.
 */
export class WordList {
  private readonly passes: Pass[];

  private constructor(readonly terms: readonly string[]) {
    this.passes = terms.length === 0 ? [] : [this.pass(PLAIN), this.pass(WITH_LEET)];
  }

  static of(terms: readonly string[]): WordList {
    return new WordList(terms.map(cleanTerm).filter((term): term is string => term !== null));
  }

  get empty(): boolean {
    return this.terms.length === 0;
  }

  /** Every hit, in text order, overlapping ones merged. */
  matches(text: string): WordHit[] {
    const hits: WordHit[] = [];
    for (const { matcher, terms } of this.passes) {
      for (const match of matcher.getAllMatches(text)) {
        hits.push({
          term: terms.getPayloadWithPhraseMetadata(match).phraseMetadata!.term,
          start: match.startIndex,
          end: endAfter(text, match.endIndex),
        });
      }
    }
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    const merged: WordHit[] = [];
    for (const hit of hits) {
      const last = merged.at(-1);
      if (last && hit.start < last.end) last.end = Math.max(last.end, hit.end);
      else merged.push({ ...hit });
    }
    return merged;
  }

  /** The list's terms found in the text, each once, in list order. */
  termsIn(text: string): string[] {
    if (this.passes.length === 0) return [];
    const found = new Set<string>();
    for (const { matcher, terms } of this.passes) {
      for (const match of matcher.getAllMatches(text)) {
        found.add(terms.getPayloadWithPhraseMetadata(match).phraseMetadata!.term);
      }
    }
    return this.terms.filter((term) => found.has(term));
  }

  private pass(chain: SimpleChain): Pass {
    const terms = new DataSet<{ term: string }>();
    for (const term of this.terms) {
      // The term is read through the same transformers as the text, so both meet in one spelling.
      const folded = fold(term, chain);
      if (!/[a-z0-9]/.test(folded)) continue;
      terms.addPhrase((phrase) =>
        phrase
          .setMetadata({ term })
          .addPattern(parseRawPattern(`|${folded.replace(PATTERN_SPECIAL, '\\$&')}|`)),
      );
    }
    // Runs of spaces count as one, in the text as in the terms (obscenity's own collapse, for spaces only).
    const spaces = collapseDuplicatesTransformer({
      defaultThreshold: Number.POSITIVE_INFINITY,
      customThresholds: new Map([[' ', 1]]),
    });
    return {
      matcher: new RegExpMatcher({ ...terms.build(), blacklistMatcherTransformers: [...chain, spaces] }),
      terms,
    };
  }
}

/** A term as the host typed it, tidied: trimmed, inner spaces single. Null when nothing is left. */
export function cleanTerm(raw: string): string | null {
  const term = raw.replace(/\s+/g, ' ').trim();
  return term.length > 0 ? term : null;
}

/** True when the term has something a text can match (a letter or digit once folded). */
export function isMatchableTerm(term: string): boolean {
  return /[a-z0-9]/.test(fold(term, PLAIN));
}

/** The text cut into parts, the hits marked, for a page to draw (each part escaped as usual). */
export function highlight(text: string, hits: readonly WordHit[]): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const hit of hits) {
    if (hit.start > at) parts.push({ text: text.slice(at, hit.start), hit: false });
    parts.push({ text: text.slice(hit.start, hit.end), hit: true });
    at = hit.end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), hit: false });
  return parts;
}

function fold(term: string, chain: SimpleChain): string {
  let out = '';
  for (const char of term.replace(/\s+/g, ' ').trim()) {
    let code: number | undefined = char.codePointAt(0)!;
    for (const step of chain) {
      if (code === undefined) break;
      code = step.transform(code);
    }
    if (code !== undefined) out += String.fromCodePoint(code);
  }
  return out;
}

/** An inclusive end offset from obscenity made exclusive, keeping a surrogate pair whole. */
function endAfter(text: string, endIndex: number): number {
  const code = text.charCodeAt(endIndex);
  return code >= 0xd800 && code <= 0xdbff ? endIndex + 2 : endIndex + 1;
}

/** A stored JSON list of words (a flagged prompt's): an empty list for none, or for a damaged value. */
export function parseStoredWords(json: string | null): string[] {
  if (!json) return [];
  try {
    const words: unknown = JSON.parse(json);
    return Array.isArray(words) ? words.filter((word): word is string => typeof word === 'string') : [];
  } catch {
    return [];
  }
}

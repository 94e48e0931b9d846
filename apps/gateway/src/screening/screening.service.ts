import { Injectable } from '@nestjs/common';
import { SettingsService, type AutoApproveMode } from '../settings/settings.service.js';
import type { UserEntity } from '../users/user.entity.js';
import type { AutoRule } from '../suggestions/suggestions.repository.js';
import { WordList, highlight, type TextPart } from './word-list.js';

const FLAGGED_LISTS_KEPT = 200;

/** What the host's lists and Auto-approve say about a new prompt, before anyone sees it. */
export interface Screening {
  /** Deny words found: the prompt is denied at once. */
  denyWords: string[];
  /** Hold words found: the prompt is Flagged and waits for a person. */
  holdWords: string[];
  /** The Auto-approve rule that approves it at once (its author is a member or staff, or trusted). */
  autoRule: AutoRule | null;
}

/** Which rules each Auto-approve mode applies; each mode includes the ones before it. */
export function rulesOf(mode: AutoApproveMode): AutoRule[] {
  const rules: AutoRule[] = [];
  if (mode === 'off') return rules;
  rules.push('members-and-staff');
  if (mode === 'members') return rules;
  rules.push('trusted-guest');
  if (mode === 'trusted') return rules;
  rules.push('grace-window');
  return rules;
}

/** The rule that covers this author at once, if any (the grace window is the sweep's, later). */
export function authorRule(
  mode: AutoApproveMode,
  author: Pick<UserEntity, 'role' | 'trusted'>,
): AutoRule | null {
  const rules = rulesOf(mode);
  if (rules.includes('members-and-staff') && author.role !== 'guest') return 'members-and-staff';
  if (rules.includes('trusted-guest') && author.trusted) return 'trusted-guest';
  return null;
}

/**
 * Reads prompts against the host's Hold words and Deny words. The lists' matchers are built once per
 * version of the settings (which the settings service replaces on every save).
 */
@Injectable()
export class ScreeningService {
  private readonly lists = new WeakMap<readonly string[], WordList>();
  /** Matchers for the words stored with flagged prompts (few distinct sets), by their JSON. */
  private readonly flaggedLists = new Map<string, WordList>();

  constructor(private readonly settings: SettingsService) {}

  async screen(
    text: string,
    author: Pick<UserEntity, 'role' | 'trusted'>,
    hasPicture: boolean,
  ): Promise<Screening> {
    const settings = await this.settings.get();
    const denyWords = this.list(settings.denyWords).termsIn(text);
    const holdWords = denyWords.length ? [] : this.list(settings.holdWords).termsIn(text);
    // A picture or a flagged text always waits for a person (the statement checks this too).
    const autoRule = hasPicture || holdWords.length > 0 ? null : authorRule(settings.autoApprove, author);
    return { denyWords, holdWords, autoRule };
  }

  /** The text in parts, the given words marked (for a flagged prompt: the words it was flagged for). */
  highlight(text: string, words: readonly string[]): TextPart[] {
    if (words.length === 0) return [{ text, hit: false }];
    const key = JSON.stringify(words);
    let list = this.flaggedLists.get(key);
    if (!list) {
      list = WordList.of(words);
      this.flaggedLists.set(key, list);
      if (this.flaggedLists.size > FLAGGED_LISTS_KEPT)
        this.flaggedLists.delete(this.flaggedLists.keys().next().value!);
    }
    return highlight(text, list.matches(text));
  }

  private list(terms: readonly string[]): WordList {
    let list = this.lists.get(terms);
    if (!list) {
      list = WordList.of(terms);
      this.lists.set(terms, list);
    }
    return list;
  }
}

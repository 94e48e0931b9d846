import { Injectable } from '@nestjs/common';

/** Prompts one moderator keeps track of as opened (enough for a long party; the oldest go first). */
const KEPT_PER_MODERATOR = 5_000;

/**
 * Which flagged or picture prompts each moderator has opened (their page with the picture at full size,
 * or a deck card): bulk actions include such a prompt only once the moderator has seen it. In memory, so
 * a gateway restart asks for them to be opened again, which errs on the side of a person looking.
 */
@Injectable()
export class SeenPrompts {
  private readonly seen = new Map<number, Set<number>>();

  mark(moderatorId: number, suggestionId: number): void {
    let mine = this.seen.get(moderatorId);
    if (!mine) {
      mine = new Set();
      this.seen.set(moderatorId, mine);
    }
    mine.delete(suggestionId);
    mine.add(suggestionId);
    if (mine.size > KEPT_PER_MODERATOR) mine.delete(mine.values().next().value!);
  }

  has(moderatorId: number, suggestionId: number): boolean {
    return this.seen.get(moderatorId)?.has(suggestionId) ?? false;
  }
}

import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import argon2 from 'argon2';
import { RevealService } from '../gallery/reveal.service.js';
import type { CreateSuggestionDto } from '../suggestions/dto/create-suggestion.dto.js';
import type { SuggestionEntity, SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { toSuggestionView } from '../suggestions/suggestion.view.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { SuggestionsService } from '../suggestions/suggestions.service.js';
import type { UserEntity } from '../users/user.entity.js';
import { UsersRepository } from '../users/users.repository.js';
import type {
  ApiCreatedPromptDto,
  ApiPromptDto,
  ApiPromptPageDto,
  ListPromptsQueryDto,
} from './dto/api-prompt.dto.js';
import type { RegisterAccountDto, RegisteredAccountDto } from './dto/register-account.dto.js';

const DEFAULT_PAGE_SIZE = 50;

/** The JSON API's rules; the prompt and moderation rules themselves stay in their own services. */
@Injectable()
export class ApiService {
  constructor(
    private readonly users: UsersRepository,
    private readonly suggestions: SuggestionQueries,
    private readonly submissions: SuggestionsService,
    private readonly reveal: RevealService,
  ) {}

  /**
   * A member account, with a password when one is given; without one it waits for its holder to set it
   * (the invitation mail is the accounts module's job). Names are checked first for a clear 409; the
   * unique indexes catch a race between two registrations, and the half-made user is removed then.
   */
  async register(input: RegisterAccountDto): Promise<RegisteredAccountDto> {
    const email = input.email.toLowerCase();
    await this.assertFree(input.username, email);
    const passwordHash = input.password ? await argon2.hash(input.password, { type: argon2.argon2id }) : null;
    const user = await this.users.createWithColour('member', null);
    try {
      await this.users.setAccount(user.id, { username: input.username, email, role: 'member' });
    } catch (error) {
      await this.users.deleteById(user.id);
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
    if (passwordHash) await this.users.setPasswordHash(user.id, passwordHash);
    return { id: user.id, username: input.username, email, role: 'member' };
  }

  /** The same rules as the guest form, picture included (an uploaded file, or `input.imageUrl`). */
  async submit(user: UserEntity, input: CreateSuggestionDto, picture?: Buffer): Promise<ApiCreatedPromptDto> {
    const created = await this.submissions.submit(user, input, picture);
    return { id: created.id, status: created.status };
  }

  async listOwn(user: UserEntity, query: ListPromptsQueryDto): Promise<ApiPromptPageDto> {
    const page = query.page ?? 1;
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const statuses: SuggestionStatus[] | null = query.status ? [query.status] : null;
    const { rows, total } = await this.suggestions.pageByUserAndStatuses(
      user.id,
      statuses,
      (page - 1) * limit,
      limit,
    );
    const revealed = await this.reveal.isRevealed();
    return { items: rows.map((row) => toApiPrompt(row, revealed)), total, page, limit };
  }

  /** Someone else's prompt gets the same 404 as one that does not exist. */
  async findOwn(user: UserEntity, id: number): Promise<ApiPromptDto> {
    const suggestion = await this.suggestions.findById(id);
    if (!suggestion || suggestion.userId !== user.id) {
      throw new NotFoundException(`There is no prompt #${id} of yours.`);
    }
    return toApiPrompt(suggestion, await this.reveal.isRevealed());
  }

  private async assertFree(username: string, email: string): Promise<void> {
    const [byName, byEmail] = await Promise.all([
      this.users.findByUsernameOrEmail(username),
      this.users.findByUsernameOrEmail(email),
    ]);
    if ((byName && byName.username === username) || (byEmail && byEmail.email === email)) throw taken();
  }
}

function toApiPrompt(suggestion: SuggestionEntity, revealed: boolean): ApiPromptDto {
  const visible = revealed && suggestion.status === 'rendered' && suggestion.imageFile !== null;
  return { ...toSuggestionView(suggestion), imageUrl: visible ? `/images/${suggestion.id}` : null };
}

function taken(): ConflictException {
  return new ConflictException('That username or email address is already taken.');
}

function isUniqueViolation(error: unknown): boolean {
  return /UNIQUE constraint failed/i.test(String((error as Error | undefined)?.message ?? error));
}

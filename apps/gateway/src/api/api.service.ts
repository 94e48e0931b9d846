import type { UploadedPictureFile } from '../pictures/uploaded-picture.decorator.js';
import { Injectable, NotFoundException } from '@nestjs/common';
import { AccountCreation } from '../accounts/account-creation.service.js';
import { InvitationsService } from '../accounts/invitations.service.js';
import { isPublicRender } from '../gallery/image-files.js';
import { RevealService } from '../gallery/reveal.service.js';
import type { CreateSuggestionDto } from '../suggestions/dto/create-suggestion.dto.js';
import type { SuggestionEntity, SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { toSuggestionView } from '../suggestions/suggestion.view.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { SuggestionsService } from '../suggestions/suggestions.service.js';
import type { UserEntity } from '../users/user.entity.js';
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
    private readonly accounts: AccountCreation,
    private readonly invitations: InvitationsService,
    private readonly suggestions: SuggestionQueries,
    private readonly submissions: SuggestionsService,
    private readonly reveal: RevealService,
  ) {}

  /**
   * A member account, with a password when one is given; without one it waits for its holder to set it
   * through the invitation mailed now. Made by the same accounts core as the invite form.
   */
  async register(input: RegisterAccountDto, origin: string): Promise<RegisteredAccountDto> {
    const user = await this.accounts.create({ ...input, role: 'member' });
    if (!input.password) await this.invitations.sendInvitation(user, origin);
    return { id: user.id, username: user.username!, email: user.email!, role: 'member' };
  }

  /** The same rules as the guest form, picture included (an uploaded file, or `input.imageUrl`). */
  async submit(
    user: UserEntity,
    input: CreateSuggestionDto,
    picture?: UploadedPictureFile,
  ): Promise<ApiCreatedPromptDto> {
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
    return { items: rows.map((row) => toApiPrompt(row, revealed, isStaff(user))), total, page, limit };
  }

  /**
   * A guest's or member's own prompt; someone else's gets the same 404 as one that does not exist. Staff
   * read any prompt (they decide on them), with its picture's URL.
   */
  async findOne(user: UserEntity, id: number): Promise<ApiPromptDto> {
    const suggestion = await this.suggestions.findById(id);
    if (!suggestion || (suggestion.userId !== user.id && !isStaff(user))) {
      throw new NotFoundException(`There is no prompt #${id} of yours.`);
    }
    return toApiPrompt(suggestion, await this.reveal.isRevealed(), isStaff(user));
  }
}

function toApiPrompt(suggestion: SuggestionEntity, revealed: boolean, staff: boolean): ApiPromptDto {
  const visible = revealed && isPublicRender(suggestion);
  const hasPicture = suggestion.pictureFile !== null;
  return {
    ...toSuggestionView(suggestion),
    imageUrl: visible ? `/images/${suggestion.id}` : null,
    edited: suggestion.originalPrompt !== null,
    hasPicture,
    // Only staff may open a guest's picture (the same rule as the URL itself).
    pictureUrl: hasPicture && staff ? `/images/${suggestion.id}/picture` : null,
  };
}

const isStaff = (user: UserEntity) => user.role === 'admin' || user.role === 'moderator';

import { IsPromptText } from '../../suggestions/dto/prompt-text.decorator.js';

/** Edit then Save and approve: the moderator's text, under the same rule as a guest's. */
export class EditPromptDto {
  @IsPromptText()
  prompt: string;
}

import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseEnumPipe,
  ParseIntPipe,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCookieAuth,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { mailOrigin } from '../accounts/mail-links.js';
import { ModerationService, type Decision } from '../admin/moderation.service.js';
import type { AppRequest } from '../common/app-request.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import { UploadedPicture } from '../pictures/uploaded-picture.decorator.js';
import { CreateSuggestionDto } from '../suggestions/dto/create-suggestion.dto.js';
import { SubmissionThrottleGuard } from '../suggestions/submission-throttle.guard.js';
import type { UserEntity } from '../users/user.entity.js';
import { ApiService } from './api.service.js';
import {
  ApiCreatedPromptDto,
  ApiCreatePromptDto,
  ApiDecisionDto,
  ApiErrorDto,
  ApiPromptDto,
  ApiPromptPageDto,
  ListPromptsQueryDto,
} from './dto/api-prompt.dto.js';
import { RegisterAccountDto, RegisteredAccountDto } from './dto/register-account.dto.js';

enum DecisionAction {
  Approve = 'approve',
  Deny = 'deny',
}

const unauthorized = { status: 401, description: 'No session and no valid API token.', type: ApiErrorDto };

@ApiTags('api')
@ApiBearerAuth()
@ApiCookieAuth('vernissage.sid')
@Controller('api')
export class ApiController {
  constructor(
    private readonly api: ApiService,
    private readonly moderation: ModerationService,
    private readonly config: GatewayConfig,
  ) {}

  @Post('register')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: 'Register a member (admin session or admin API token).',
    description: 'Without a password, the member is mailed an invitation link to choose one.',
  })
  @ApiResponse({ status: 201, type: RegisteredAccountDto })
  @ApiResponse({ status: 400, description: 'Missing or invalid field.', type: ApiErrorDto })
  @ApiResponse(unauthorized)
  @ApiResponse({ status: 403, description: 'Not an admin.', type: ApiErrorDto })
  @ApiResponse({ status: 409, description: 'Username or email taken.', type: ApiErrorDto })
  register(@Body() input: RegisterAccountDto, @Req() req: AppRequest): Promise<RegisteredAccountDto> {
    return this.api.register(input, mailOrigin(this.config, req));
  }

  @Post('prompts')
  @HttpCode(201)
  @UseGuards(SubmissionThrottleGuard)
  @ApiOperation({
    summary: 'Send a prompt; it waits for the host as pending.',
    description: 'JSON, or multipart/form-data to attach a picture file (`image`) for img2img.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ type: ApiCreatePromptDto })
  @ApiResponse({ status: 201, type: ApiCreatedPromptDto })
  @ApiResponse({
    status: 400,
    description: 'Empty or too long prompt, size not allowed, not an image, refused URL.',
    type: ApiErrorDto,
  })
  @ApiResponse(unauthorized)
  @ApiResponse({ status: 403, description: 'Banned, submissions closed, or invite-only.', type: ApiErrorDto })
  @ApiResponse({ status: 413, description: 'Body or picture larger than the limit.', type: ApiErrorDto })
  @ApiResponse({
    status: 429,
    description: 'Too many pending prompts or too many a minute.',
    type: ApiErrorDto,
  })
  submit(
    @CurrentUser() user: UserEntity,
    @Body() input: CreateSuggestionDto,
    // Parsed by the pictures module's PictureUploadMiddleware for multipart requests.
    @UploadedPicture() picture: Buffer | undefined,
  ): Promise<ApiCreatedPromptDto> {
    return this.api.submit(user, input, picture);
  }

  @Get('prompts')
  @ApiOperation({ summary: 'Your own prompts, newest first, optionally of one status.' })
  @ApiResponse({ status: 200, type: ApiPromptPageDto })
  @ApiResponse({ status: 400, description: 'Unknown status or bad paging.', type: ApiErrorDto })
  @ApiResponse(unauthorized)
  list(@CurrentUser() user: UserEntity, @Query() query: ListPromptsQueryDto): Promise<ApiPromptPageDto> {
    return this.api.listOwn(user, query);
  }

  @Get('prompts/:id')
  @ApiOperation({ summary: 'One of your own prompts.' })
  @ApiResponse({ status: 200, type: ApiPromptDto })
  @ApiResponse(unauthorized)
  @ApiResponse({ status: 404, description: 'No such prompt of yours.', type: ApiErrorDto })
  findOne(@CurrentUser() user: UserEntity, @Param('id', ParseIntPipe) id: number): Promise<ApiPromptDto> {
    return this.api.findOwn(user, id);
  }

  @Post('prompts/:id/:action')
  @HttpCode(200)
  @Roles('admin', 'moderator')
  @ApiOperation({ summary: 'Approve or deny a pending prompt (moderator or admin).' })
  @ApiParam({ name: 'action', enum: DecisionAction })
  @ApiResponse({ status: 200, type: ApiDecisionDto })
  @ApiResponse(unauthorized)
  @ApiResponse({ status: 403, description: 'Not a moderator or admin.', type: ApiErrorDto })
  @ApiResponse({ status: 404, description: 'No such prompt.', type: ApiErrorDto })
  @ApiResponse({ status: 409, description: 'Already decided.', type: ApiErrorDto })
  decide(
    @Param('id', ParseIntPipe) id: number,
    @Param('action', new ParseEnumPipe(DecisionAction)) action: DecisionAction,
    @CurrentUser() moderator: UserEntity,
  ): Promise<Decision> {
    return this.moderation.decide(id, action === DecisionAction.Approve ? 'approved' : 'denied', moderator);
  }
}

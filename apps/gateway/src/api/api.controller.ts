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
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCookieAuth,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
  type ApiResponseOptions,
} from '@nestjs/swagger';
import { mailOrigin } from '../accounts/mail-links.js';
import { ModerationService, type Decision } from '../admin/moderation.service.js';
import type { AppRequest } from '../common/app-request.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import { PictureUploadInterceptor } from '../pictures/picture-upload.interceptor.js';
import { UploadedPicture, type UploadedPictureFile } from '../pictures/uploaded-picture.decorator.js';
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
import { API_SECURITY, API_TAGS } from './openapi-names.js';

enum DecisionAction {
  Approve = 'approve',
  Deny = 'deny',
}

/** An error answer, always `{ statusCode, message, error }`, with a real example of its message. */
function error(status: number, description: string, message: string): ApiResponseOptions {
  const phrase: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    413: 'Payload Too Large',
    429: 'Too Many Requests',
  };
  return {
    status,
    description,
    type: ApiErrorDto,
    example: { statusCode: status, message, error: phrase[status] },
  };
}

const unauthorized = error(
  401,
  'No session and no valid API token.',
  'This needs an API token (Authorization: Bearer vn_…) or a signed-in session.',
);
const CSRF = 'or, with the session cookie, a missing or wrong `x-csrf-token` header';
const badId = error(400, 'The id is not a whole number.', 'Validation failed (numeric string is expected)');
const tooLarge = error(
  413,
  'The body is larger than the limit (64 kB; a picture 64 MB).',
  'That request is too large.',
);

/** Cookie callers send the page's CSRF token on every POST; a bearer token needs none. */
const csrfHeader = ApiHeader({
  name: 'x-csrf-token',
  required: false,
  description:
    'Only with the session cookie: the CSRF token of the signed-in page (`<meta name="csrf-token">`). Not needed with a bearer token.',
  schema: { type: 'string' },
});

@ApiBearerAuth(API_SECURITY.token)
@ApiCookieAuth(API_SECURITY.session)
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
  @ApiTags(API_TAGS.members)
  @ApiOperation({
    operationId: 'registerMember',
    summary: 'Register a member (admin session or admin API token).',
    description: 'Without a password, the member is mailed an invitation link to choose one.',
  })
  @csrfHeader
  @ApiResponse({ status: 201, description: 'The new member.', type: RegisteredAccountDto })
  @ApiResponse(error(400, 'Missing or invalid field.', 'A username needs at least 3 characters.'))
  @ApiResponse(unauthorized)
  @ApiResponse(error(403, `Not an admin, ${CSRF}.`, 'This needs the admin role.'))
  @ApiResponse(error(409, 'Username or email taken.', 'That username or email address is already taken.'))
  @ApiResponse(tooLarge)
  register(@Body() input: RegisterAccountDto, @Req() req: AppRequest): Promise<RegisteredAccountDto> {
    return this.api.register(input, mailOrigin(this.config, req));
  }

  @Post('prompts')
  @HttpCode(201)
  @UseGuards(SubmissionThrottleGuard)
  @UseInterceptors(PictureUploadInterceptor)
  @ApiTags(API_TAGS.prompts)
  @ApiOperation({
    operationId: 'submitPrompt',
    summary: 'Send a prompt; it waits for the host as pending.',
    description: 'JSON, or multipart/form-data to attach a picture file (`image`) for img2img.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ type: ApiCreatePromptDto })
  @csrfHeader
  @ApiResponse({ status: 201, description: 'Stored, waiting for the host.', type: ApiCreatedPromptDto })
  @ApiResponse(
    error(
      400,
      'Empty or too long prompt, size not allowed, not an image, refused URL.',
      'Width 500 is not allowed. Choose one of 512, 768, 1024.',
    ),
  )
  @ApiResponse(unauthorized)
  @ApiResponse(
    error(403, `Banned, submissions closed, invite-only, ${CSRF}.`, 'Submissions are closed right now.'),
  )
  @ApiResponse(tooLarge)
  @ApiResponse({
    ...error(
      429,
      'Too many pending prompts, or too many a minute.',
      'Slow down: too many prompts in a minute. Try again shortly.',
    ),
    headers: {
      'Retry-After': {
        description: 'Seconds until a new prompt is accepted (sent when the per-minute limit is reached).',
        schema: { type: 'integer', example: 42 },
      },
    },
  })
  submit(
    @CurrentUser() user: UserEntity,
    @Body() input: CreateSuggestionDto,
    // Read by PictureUploadInterceptor (after the guards) for multipart requests.
    @UploadedPicture() picture: UploadedPictureFile | undefined,
  ): Promise<ApiCreatedPromptDto> {
    return this.api.submit(user, input, picture);
  }

  @Get('prompts')
  @ApiTags(API_TAGS.prompts)
  @ApiOperation({
    operationId: 'listPrompts',
    summary: 'Your own prompts, newest first, optionally of one status.',
    description: 'Paged; `imageUrl` is set once an image is rendered and the host has revealed the images.',
  })
  @ApiResponse({ status: 200, description: 'One page of your prompts.', type: ApiPromptPageDto })
  @ApiResponse(error(400, 'Unknown status or bad paging.', 'limit can be at most 100.'))
  @ApiResponse(unauthorized)
  list(@CurrentUser() user: UserEntity, @Query() query: ListPromptsQueryDto): Promise<ApiPromptPageDto> {
    return this.api.listOwn(user, query);
  }

  @Get('prompts/:id')
  @ApiTags(API_TAGS.prompts)
  @ApiOperation({
    operationId: 'getPrompt',
    summary: 'One of your own prompts (staff: any prompt).',
    description:
      "Someone else's prompt gets the same 404 as one that does not exist; moderators and the admin read any prompt, with the URL of its picture.",
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1, example: 12 } })
  @ApiResponse({ status: 200, description: 'The prompt.', type: ApiPromptDto })
  @ApiResponse(badId)
  @ApiResponse(unauthorized)
  @ApiResponse(error(404, 'No such prompt of yours.', 'There is no prompt #12 of yours.'))
  findOne(@CurrentUser() user: UserEntity, @Param('id', ParseIntPipe) id: number): Promise<ApiPromptDto> {
    return this.api.findOne(user, id);
  }

  @Post('prompts/:id/:action')
  @HttpCode(200)
  @Roles('admin', 'moderator')
  @ApiTags(API_TAGS.moderation)
  @ApiOperation({
    operationId: 'decidePrompt',
    summary: 'Approve or deny a pending prompt (moderator or admin).',
    description: 'An approved prompt goes to the renderer; a decided prompt cannot be decided again.',
  })
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1, example: 12 } })
  @ApiParam({ name: 'action', enum: DecisionAction })
  @csrfHeader
  @ApiResponse({ status: 200, description: 'Decided.', type: ApiDecisionDto })
  @ApiResponse(
    error(
      400,
      'The id is not a whole number, or the action is not approve or deny.',
      'Validation failed (numeric string is expected)',
    ),
  )
  @ApiResponse(unauthorized)
  @ApiResponse(error(403, `Not a moderator or admin, ${CSRF}.`, 'This needs the admin or moderator role.'))
  @ApiResponse(error(404, 'No such prompt.', 'There is no prompt #12.'))
  @ApiResponse(error(409, 'Already decided.', 'Prompt #12 was already decided (approved).'))
  decide(
    @Param('id', ParseIntPipe) id: number,
    @Param('action', new ParseEnumPipe(DecisionAction)) action: DecisionAction,
    @CurrentUser() moderator: UserEntity,
  ): Promise<Decision> {
    return this.moderation.decide(id, action === DecisionAction.Approve ? 'approved' : 'denied', moderator);
  }
}

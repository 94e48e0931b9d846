import { Body, Controller, Get, Post, Redirect, Req, UseGuards } from '@nestjs/common';
import { Throttle } from '@nestjs/throttler';
import { CurrentUser, Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { Page } from '../common/answer/answer.decorator.js';
import type { UserEntity } from '../users/user.entity.js';
import { ContinueAsDto } from './dto/continue-as.dto.js';
import { HomeService } from './home.service.js';
import { START_FRESH_LIMIT, StartFreshThrottleGuard } from './start-fresh-throttle.guard.js';

@Controller()
export class HomeController {
  constructor(private readonly home: HomeService) {}

  @Public()
  @Get()
  index(@Req() req: AppRequest): Promise<Page> {
    return this.home.page(req);
  }

  /** The guest page's list of their own prompts alone, drawn by the same partial as the page. */
  @Get('fragments/own-prompts')
  async ownPrompts(@CurrentUser() user: UserEntity): Promise<Page> {
    return new Page('fragments/own-prompts', { prompts: await this.home.ownPrompts(user), layout: false });
  }

  /** The "Are you lost?" choices are browser forms: whoever sent them goes to their page. */
  @Public()
  @Post('welcome-back/continue')
  @Redirect('/', 303)
  async continueAs(@Req() req: AppRequest, @Body() input: ContinueAsDto): Promise<void> {
    await this.home.continueAs(req, input.userId);
  }

  @Public()
  @Post('welcome-back/fresh')
  @UseGuards(StartFreshThrottleGuard)
  @Throttle({ default: START_FRESH_LIMIT })
  @Redirect('/', 303)
  async startFresh(@Req() req: AppRequest): Promise<void> {
    await this.home.startFresh(req);
  }
}

import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { IdentityService } from '../identity/identity.service.js';
import { ContinueAsDto } from './dto/continue-as.dto.js';
import { HomeService } from './home.service.js';

@Controller()
export class HomeController {
  constructor(
    private readonly home: HomeService,
    private readonly identity: IdentityService,
  ) {}

  @Public()
  @Get()
  async index(@Req() req: AppRequest, @Res() res: Response): Promise<void> {
    const page = await this.home.page(req);
    res.render(page.view, page.model);
  }

  @Public()
  @Post('welcome-back/continue')
  async continueAs(
    @Req() req: AppRequest,
    @Body() input: ContinueAsDto,
    @Res() res: Response,
  ): Promise<void> {
    await this.identity.continueAs(req, input.userId);
    res.redirect(303, '/');
  }

  @Public()
  @Post('welcome-back/fresh')
  async startFresh(@Req() req: AppRequest, @Res() res: Response): Promise<void> {
    await this.home.startFresh(req);
    res.redirect(303, '/');
  }
}

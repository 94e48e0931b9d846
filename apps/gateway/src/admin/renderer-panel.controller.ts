import { Controller, Get, HttpCode, Param, ParseIntPipe, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { prefersHtml } from '../common/respond.js';
import { RendererPanelService, type RendererPanel } from './renderer-panel.service.js';

/** The renderer panel's data and controls. Browsers are sent back to /admin; JSON clients get the result. */
@Controller('admin/renderer')
@Roles('admin', 'moderator')
export class RendererPanelController {
  constructor(private readonly panel: RendererPanelService) {}

  @Get()
  snapshot(): Promise<RendererPanel> {
    return this.panel.current();
  }

  @Post('pause')
  @HttpCode(200)
  async pause(@Req() req: AppRequest, @Res({ passthrough: true }) res: Response) {
    return backToAdmin(req, res, await this.panel.setPaused(true));
  }

  @Post('resume')
  @HttpCode(200)
  async resume(@Req() req: AppRequest, @Res({ passthrough: true }) res: Response) {
    return backToAdmin(req, res, await this.panel.setPaused(false));
  }

  @Post('retry/:id')
  @HttpCode(200)
  async retry(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: AppRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    return backToAdmin(req, res, await this.panel.retry(id));
  }

  @Post('cancel/:id')
  @HttpCode(200)
  async cancel(
    @Param('id', ParseIntPipe) id: number,
    @Req() req: AppRequest,
    @Res({ passthrough: true }) res: Response,
  ) {
    return backToAdmin(req, res, await this.panel.cancel(id));
  }
}

function backToAdmin<T>(req: AppRequest, res: Response, result: T): T | void {
  if (!prefersHtml(req)) return result;
  res.redirect(303, '/admin#renderer');
}

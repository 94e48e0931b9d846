import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Roles } from '../auth/auth.decorators.js';
import type { AppRequest } from '../common/app-request.js';
import { setFlash, takeFlash } from '../common/flash.js';
import { prefersHtml } from '../common/respond.js';
import { AdminSettingsService, InvalidSettingsException } from './admin-settings.service.js';

const TITLE = 'Settings';

/** `/admin/settings`: the form for browsers, the same flat fields as JSON for everyone else. */
@Roles('admin')
@Controller('admin/settings')
export class AdminSettingsController {
  constructor(private readonly settings: AdminSettingsService) {}

  @Get()
  async show(@Req() req: AppRequest, @Res() res: Response): Promise<void> {
    if (!prefersHtml(req)) {
      res.json(await this.settings.current());
      return;
    }
    res.render('admin/settings', {
      title: TITLE,
      isStaff: true,
      flash: takeFlash(req),
      ...(await this.settings.form()),
    });
  }

  /**
   * The body is validated by the service (a form and JSON differ in shape, and every field's message is
   * kept), so it is typed loosely here and the global ValidationPipe leaves it alone.
   */
  @Post()
  async save(
    @Body() input: Record<string, unknown>,
    @Req() req: AppRequest,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const saved = await this.settings.save(input);
      if (!prefersHtml(req)) {
        res.status(200).json(saved);
        return;
      }
      await setFlash(req, 'Saved');
      res.redirect(303, '/admin/settings');
    } catch (error) {
      if (!(error instanceof InvalidSettingsException) || !prefersHtml(req)) throw error;
      res.status(400).render('admin/settings', {
        title: TITLE,
        isStaff: true,
        ...(await this.settings.rejectedForm(input, error.fieldErrors)),
      });
    }
  }
}

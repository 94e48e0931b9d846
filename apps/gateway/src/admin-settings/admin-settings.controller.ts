import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CurrentUser, Roles } from '../auth/auth.decorators.js';
import type { UserEntity } from '../users/user.entity.js';
import { Answer } from '../common/answer/answer.decorator.js';
import { AdminSettingsService } from './admin-settings.service.js';
import type { SettingsView } from './admin-settings.view.js';

/** `/admin/settings`: the form for browsers, the same flat fields as JSON for everyone else. */
@Roles('admin')
@Controller('admin/settings')
export class AdminSettingsController {
  constructor(private readonly settings: AdminSettingsService) {}

  @Get()
  @Answer({ drawnBy: 'settings' })
  show(): Promise<SettingsView> {
    return this.settings.current();
  }

  /**
   * The body is validated by the service (a form and JSON differ in shape, and every field's message is
   * kept), so it is typed loosely here and the global ValidationPipe leaves it alone.
   */
  @Post()
  @HttpCode(200)
  @Answer({ redirect: '/admin/settings', notice: 'Saved', form: 'settings' })
  save(@Body() input: Record<string, unknown>, @CurrentUser() admin: UserEntity): Promise<SettingsView> {
    return this.settings.save(input, admin);
  }
}

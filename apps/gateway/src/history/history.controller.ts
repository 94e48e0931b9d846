import { Controller, DefaultValuePipe, Get, ParseEnumPipe, Query, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CurrentUser } from '../auth/auth.decorators.js';
import { ParsePagePipe } from '../common/paging.js';
import type { UserEntity } from '../users/user.entity.js';
import { HISTORY_TABS, HistoryService, type HistoryPage, type HistoryTab } from './history.service.js';

const TAB_VALUES = Object.fromEntries(HISTORY_TABS.map((tab) => [tab, tab]));

/** `/history`: the signed-in user's own prompts in tabs; plain links, so it works without JavaScript. */
@ApiExcludeController()
@Controller('history')
export class HistoryController {
  constructor(private readonly history: HistoryService) {}

  @Get()
  @Render('history/history')
  async index(
    @CurrentUser() user: UserEntity,
    @Query('tab', new DefaultValuePipe('pending'), new ParseEnumPipe(TAB_VALUES)) tab: HistoryTab,
    @Query('page', ParsePagePipe) page: number,
  ): Promise<HistoryPage & { title: string; me: { colourName: string; colourHex: string } }> {
    return {
      title: 'Your history',
      me: { colourName: user.colourName, colourHex: user.colourHex },
      ...(await this.history.page(user, tab, page)),
    };
  }
}

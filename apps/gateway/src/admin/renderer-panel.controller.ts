import { Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { Roles } from '../auth/auth.decorators.js';
import { Answer } from '../common/answer/answer.decorator.js';
import { RendererControls } from './renderer-controls.service.js';
import { RendererPanelService, type RendererPanel } from './renderer-panel.service.js';

const backToPanel = { redirect: '/admin#renderer' };

/** The renderer panel's data and controls. Browsers are sent back to /admin; JSON clients get the result. */
@Controller('admin/renderer')
@Roles('admin', 'moderator')
export class RendererPanelController {
  constructor(
    private readonly panel: RendererPanelService,
    private readonly controls: RendererControls,
  ) {}

  @Get()
  snapshot(): Promise<RendererPanel> {
    return this.panel.current();
  }

  @Post('pause')
  @HttpCode(200)
  @Answer(backToPanel)
  pause() {
    return this.controls.setPaused(true);
  }

  @Post('resume')
  @HttpCode(200)
  @Answer(backToPanel)
  resume() {
    return this.controls.setPaused(false);
  }

  /** One worker: `renderer` and `worker` count from 0, as RENDERERS and that renderer's SD_URL list them. */
  @Post('workers/:renderer/:worker/pause')
  @HttpCode(200)
  @Answer(backToPanel)
  pauseWorker(
    @Param('renderer', ParseIntPipe) renderer: number,
    @Param('worker', ParseIntPipe) worker: number,
  ) {
    return this.controls.setPaused(true, { renderer, worker });
  }

  @Post('workers/:renderer/:worker/resume')
  @HttpCode(200)
  @Answer(backToPanel)
  resumeWorker(
    @Param('renderer', ParseIntPipe) renderer: number,
    @Param('worker', ParseIntPipe) worker: number,
  ) {
    return this.controls.setPaused(false, { renderer, worker });
  }

  @Post('next/:id')
  @HttpCode(200)
  @Answer(backToPanel)
  renderNext(@Param('id', ParseIntPipe) id: number) {
    return this.controls.renderNext(id);
  }

  @Post('retry/:id')
  @HttpCode(200)
  @Answer(backToPanel)
  retry(@Param('id', ParseIntPipe) id: number) {
    return this.controls.retry(id);
  }

  @Post('cancel/:id')
  @HttpCode(200)
  @Answer(backToPanel)
  cancel(@Param('id', ParseIntPipe) id: number) {
    return this.controls.cancel(id);
  }
}

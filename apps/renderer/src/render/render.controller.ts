import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { RendererPattern, type RendererReply, type RendererRequest } from '#contracts';
import { ContractPayload } from '../contract/contract-payload.pipe.js';
import { RenderWorkers } from '../queue/render-workers.service.js';
import { ResultStore } from '../results/result-store.service.js';
import { CatalogService } from './catalog.service.js';

type Request<P extends RendererPattern> = RendererRequest<P>;
type Reply<P extends RendererPattern> = RendererReply<P>;

/** The renderer's message handlers: the token guard and the contract pipe have run before any of these. */
@Controller()
export class RenderController {
  constructor(
    private readonly workers: RenderWorkers,
    private readonly store: ResultStore,
    private readonly catalog: CatalogService,
  ) {}

  @MessagePattern(RendererPattern.Enqueue)
  enqueue(
    @ContractPayload(RendererPattern.Enqueue) request: Request<'render.enqueue'>,
  ): Reply<'render.enqueue'> {
    return this.workers.enqueue(request.jobs, request.worker);
  }

  @MessagePattern(RendererPattern.Cancel)
  cancel(@ContractPayload(RendererPattern.Cancel) request: Request<'render.cancel'>): Reply<'render.cancel'> {
    return this.workers.cancel(request.suggestionId);
  }

  @MessagePattern(RendererPattern.Status)
  status(
    @ContractPayload(RendererPattern.Status) _request: Request<'render.status'>,
  ): Reply<'render.status'> {
    return this.workers.status();
  }

  @MessagePattern(RendererPattern.Results)
  results(
    @ContractPayload(RendererPattern.Results) request: Request<'render.results'>,
  ): Promise<Reply<'render.results'>> {
    return this.store.take(request);
  }

  @MessagePattern(RendererPattern.Ack)
  ack(@ContractPayload(RendererPattern.Ack) request: Request<'render.ack'>): Reply<'render.ack'> {
    return this.store.ack(request);
  }

  @MessagePattern(RendererPattern.Pause)
  pause(@ContractPayload(RendererPattern.Pause) request: Request<'render.pause'>): Reply<'render.pause'> {
    return this.workers.pause(request);
  }

  @MessagePattern(RendererPattern.Resume)
  resume(@ContractPayload(RendererPattern.Resume) request: Request<'render.resume'>): Reply<'render.resume'> {
    return this.workers.resume(request);
  }

  @MessagePattern(RendererPattern.Catalog)
  catalogue(
    @ContractPayload(RendererPattern.Catalog) _request: Request<'render.catalog'>,
  ): Promise<Reply<'render.catalog'>> {
    return this.catalog.list();
  }
}

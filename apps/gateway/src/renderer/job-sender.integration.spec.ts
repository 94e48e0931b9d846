import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../../../test/gateway/harness.js';
import { eventually } from '../../../../test/pipeline/processes.js';
import { FakeRendererClient } from '../../../../test/support/fake-renderer-client.js';
import { rendererTestBed } from '../../../../test/support/gateway-modules.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { RenderOrderRepository } from '../suggestions/render-order.repository.js';
import { JobSender } from './job-sender.service.js';
import { RendererPool } from './renderer-pool.service.js';
import { WorkBoard } from './work-board.js';

/**
 * What goes to a renderer, on a real SQLite file with a fake renderer client. Its only SD server is away,
 * so the dispatcher hands nothing out by itself and each case sends exactly what it names.
 */
describe('JobSender (real SQLite, fake renderer)', () => {
  const temp = makeTempDir('vernissage-sender-');
  const renderer = new FakeRendererClient({ workers: 1 });
  const KEY = '127.0.0.1:1/0';
  let bed: Awaited<ReturnType<typeof rendererTestBed>>;
  let sender: JobSender;
  let board: WorkBoard;
  let order: RenderOrderRepository;

  beforeAll(async () => {
    renderer.setSdDown(0, true);
    bed = await rendererTestBed(temp.dir, renderer);
    sender = bed.module.get(JobSender);
    board = bed.module.get(WorkBoard);
    order = bed.module.get(RenderOrderRepository);
  });
  afterAll(async () => {
    await bed.close();
    temp.cleanup();
  });

  const connection = () => bed.module.get(RendererPool).connections[0];

  /** Approved, assigned to the worker and on the board, as the dispatcher leaves them before sending. */
  async function assigned(prompt: string, pictureFile: string | null = null): Promise<number> {
    const sent = await bed.lifecycle.submit(
      { userId: bed.guest, prompt, width: 512, height: 768, pictureFile },
      100,
    );
    if (!sent.ok) throw new Error('not submitted');
    await bed.lifecycle.approve(sent.suggestionId, bed.host);
    const [id] = await order.assign([sent.suggestionId], KEY, new Date());
    expect(id).toBe(sent.suggestionId);
    board.add(KEY, { id, userId: bed.guest, width: 512, height: 768 });
    return id;
  }

  it('sends jobs with the settings and colour, the picture as base64, and marks them queued', async () => {
    const picture = 'sender-cat.png';
    const uploadDir = bed.module.get(GatewayConfig).uploadDir;
    mkdirSync(uploadDir, { recursive: true });
    writeFileSync(join(uploadDir, picture), Buffer.from('not really a png'));
    const plain = await assigned('a lighthouse');
    const withPicture = await assigned('my cat, in oils', picture);

    await sender.send(connection(), 0, KEY, [plain, withPicture]);

    const jobs = renderer.enqueued.filter((job) => [plain, withPicture].includes(job.suggestionId));
    expect(jobs.map((job) => job.suggestionId).toSorted()).toEqual([plain, withPicture].toSorted());
    const byId = new Map(jobs.map((job) => [job.suggestionId, job]));
    expect(byId.get(plain)).toMatchObject({ prompt: 'a lighthouse', width: 512, height: 768 });
    expect(byId.get(plain)!.colourHex).toMatch(/^#[0-9a-f]{6}$/);
    expect(byId.get(plain)!.settings).toMatchObject({ steps: expect.any(Number) });
    expect(byId.get(plain)!.initImage).toBeUndefined();
    expect(Buffer.from(byId.get(withPicture)!.initImage!, 'base64').toString()).toBe('not really a png');
    expect(renderer.sentTo.get(plain)).toBe(0);
    for (const id of [plain, withPicture]) {
      expect(await bed.queries.findById(id)).toMatchObject({ status: 'queued', worker: KEY });
    }
  });

  it('a prompt whose picture file is gone fails, saying so, and is not sent', async () => {
    const lost = await assigned('a picture that vanished', 'gone.png');
    const sentBefore = renderer.enqueued.length;
    await sender.send(connection(), 0, KEY, [lost]);
    expect(renderer.enqueued).toHaveLength(sentBefore);
    expect(await bed.queries.findById(lost)).toMatchObject({
      status: 'failed',
      failureReason: 'The picture for this prompt is missing.',
    });
  });

  it('what the renderer does not take (no such SD server) waits again, off the board', async () => {
    const id = await assigned('for a worker that is not there');
    await sender.send(connection(), 3, KEY, [id]);
    expect(await bed.queries.findById(id)).toMatchObject({ status: 'approved', worker: null });
    expect(board.worker(id)).toBeUndefined();
  });

  it('a resync drops what the renderer holds that went elsewhere, and sends its own again', async () => {
    const own = await assigned('still ours');
    await sender.send(connection(), 0, KEY, [own]);
    // The renderer restarts (its queue is gone) and holds a job the gateway gave elsewhere meanwhile.
    renderer.forget();
    const stranger = { ...renderer.enqueued.find((job) => job.suggestionId === own)!, suggestionId: 99_999 };
    await renderer.send('render.enqueue', { jobs: [stranger], worker: 0 });
    expect(renderer.holding(0)).toEqual([99_999]);
    // As the link reports it once it is back.
    const workers = await eventually(
      () => bed.pool.workers(),
      (views) => views[0]?.status.queuedIds.includes(99_999) ?? false,
      5000,
      'the status with the stranger',
    );
    await sender.resync(connection(), workers);
    expect(renderer.cancelled).toContain(99_999);
    // Everything the board says is this worker's is on it again (its queue was lost with the restart);
    // jobs with a picture go one at a time after the others.
    expect(renderer.holding(0).toSorted()).toEqual(
      board
        .jobs(KEY)
        .map((job) => job.id)
        .toSorted(),
    );
    expect(renderer.holding(0)).toContain(own);
  });
});

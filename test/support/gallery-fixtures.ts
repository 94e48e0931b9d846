import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { SuggestionQueries } from '../../apps/gateway/src/suggestions/suggestion-queries.repository.js';
import { SuggestionLifecycle } from '../../apps/gateway/src/suggestions/suggestion-lifecycle.service.js';
import {
  becomeAdmin,
  browser,
  colourFrom,
  csrfFrom,
  HTML,
  openHome,
  type Browser,
  type TestGateway,
} from '../gateway/harness.js';

export interface Guest {
  agent: Browser;
  csrf: string;
  colour: string;
}

/** A real PNG of one colour, different for each prompt so a mix-up shows. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = rgb[0];
    png.data[i * 4 + 1] = rgb[1];
    png.data[i * 4 + 2] = rgb[2];
    png.data[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png);
}

/**
 * A party without a renderer: guests and the host go through HTTP; renders are written into OUTPUT_DIR
 * and recorded through the app's own repository, as the renderer link does.
 */
export class Party {
  private admin?: { agent: Browser; csrf: string };

  constructor(private readonly gateway: TestGateway) {}

  async guest(userAgent: string): Promise<Guest> {
    const agent = browser(this.gateway.url, userAgent);
    const { html, csrf } = await openHome(agent);
    return { agent, csrf, colour: colourFrom(html) };
  }

  /** A host device of its own (claimed once, reused). */
  async host(userAgent = 'Laptop/party-host'): Promise<{ agent: Browser; csrf: string }> {
    if (this.admin) return this.admin;
    const agent = browser(this.gateway.url, userAgent);
    await openHome(agent);
    await becomeAdmin(this.gateway, agent);
    const page = await agent.get('/admin').set('Accept', HTML);
    if (page.status !== 200) throw new Error(`admin page: ${page.status}`);
    this.admin = { agent, csrf: csrfFrom(page.text) };
    return this.admin;
  }

  async submit(guest: Guest, prompt: string, width = 512, height = 512): Promise<number> {
    const res = await guest.agent
      .post('/prompts')
      .set('Accept', 'application/json')
      .set('x-csrf-token', guest.csrf)
      .send({ prompt, width, height });
    if (res.status !== 201) throw new Error(`submit: ${res.status} ${res.text}`);
    return res.body.id as number;
  }

  async decide(id: number, action: 'approve' | 'deny'): Promise<void> {
    const host = await this.host();
    const res = await host.agent
      .post(`/admin/prompts/${id}/${action}`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', host.csrf);
    if (res.status !== 200) throw new Error(`${action} #${id}: ${res.status} ${res.text}`);
  }

  /** Writes `<id>.png` and `<id>.json` as the renderer link would and marks the prompt rendered. */
  async render(id: number, image: Buffer, seed = 1000 + id): Promise<void> {
    const repository = this.gateway.app.get(SuggestionQueries);
    const suggestion = await repository.findWithAuthor(id);
    if (!suggestion) throw new Error(`no prompt #${id}`);
    mkdirSync(this.gateway.config.outputDir, { recursive: true });
    writeFileSync(join(this.gateway.config.outputDir, `${id}.png`), image);
    writeFileSync(
      join(this.gateway.config.outputDir, `${id}.json`),
      JSON.stringify({ id, prompt: suggestion.prompt, seed, backend: 'test' }),
    );
    if (!(await this.gateway.app.get(SuggestionLifecycle).render(id, { seed, file: `${id}.png` })).ok) {
      throw new Error(`#${id} could not be marked rendered (status ${suggestion.status})`);
    }
  }

  async approveAndRender(id: number, image: Buffer): Promise<void> {
    await this.decide(id, 'approve');
    await this.render(id, image);
  }
}

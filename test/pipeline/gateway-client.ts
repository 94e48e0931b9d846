import request from 'supertest';
import sqlite3 from 'sqlite3';
import { csrfFrom } from '../gateway/harness.js';

const HTML = 'text/html';

/** Drives a gateway process over HTTP as guests and the admin would. */
export class GatewayClient {
  private guestCount = 0;
  readonly admin: ReturnType<typeof request.agent>;
  private adminCsrf = '';

  constructor(
    readonly url: string,
    private readonly databasePath: string,
  ) {
    this.admin = request.agent(url).set('User-Agent', 'Pipeline/host-laptop');
  }

  async claim(claimPath: string): Promise<void> {
    const res = await this.admin.get(claimPath).set('Accept', HTML);
    if (res.status !== 303) throw new Error(`claim failed: ${res.status}`);
    await this.refreshAdminCsrf();
  }

  async refreshAdminCsrf(): Promise<void> {
    const page = await this.admin.get('/admin').set('Accept', HTML);
    if (page.status !== 200) throw new Error(`admin page: ${page.status}`);
    this.adminCsrf = csrfFrom(page.text);
  }

  /** A new guest (own cookie jar) sends prompts; returns their ids. */
  async submit(prompts: string[], size = { width: 512, height: 768 }): Promise<number[]> {
    const guest = request.agent(this.url).set('User-Agent', `Pipeline/guest-${++this.guestCount}`);
    const home = await guest.get('/').set('Accept', HTML);
    const csrf = csrfFrom(home.text);
    const ids: number[] = [];
    for (const prompt of prompts) {
      const res = await guest
        .post('/prompts')
        .set('x-csrf-token', csrf)
        .send({ prompt, ...size });
      if (res.status !== 201) throw new Error(`submit failed: ${res.status} ${JSON.stringify(res.body)}`);
      ids.push(res.body.id as number);
    }
    return ids;
  }

  async decide(id: number, decision: 'approve' | 'deny'): Promise<void> {
    const res = await this.admin
      .post(`/admin/prompts/${id}/${decision}`)
      .set('Accept', 'application/json')
      .set('x-csrf-token', this.adminCsrf);
    if (res.status !== 200) throw new Error(`${decision} #${id}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Reads prompt states straight from the gateway's SQLite file (WAL allows a reader beside it). */
  statuses(ids: number[]): Promise<
    Map<
      number,
      {
        status: string;
        failureReason: string | null;
        imageFile: string | null;
        worker: string | null;
        seed: number | null;
      }
    >
  > {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(this.databasePath, sqlite3.OPEN_READONLY, (openError) => {
        if (openError) return reject(openError);
        db.all(
          `SELECT id, status, failure_reason AS failureReason, image_file AS imageFile, worker, seed
           FROM suggestions WHERE id IN (${ids.map(() => '?').join(',')})`,
          ids,
          (
            error,
            rows: {
              id: number;
              status: string;
              failureReason: string | null;
              imageFile: string | null;
              worker: string | null;
              seed: number | null;
            }[],
          ) => {
            db.close();
            if (error) return reject(error);
            resolve(new Map(rows.map((row) => [row.id, row])));
          },
        );
      });
    });
  }
}

import { once } from 'node:events';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import archiver, { type Archiver, type ZipEntryData } from 'archiver';
import type { AuditRow } from '../audit/audit.repository.js';
import { AuditLog } from '../audit/audit.service.js';
import { whoDid } from '../audit/audit.view.js';
import { GatewayConfig } from '../config/gateway.config.js';
import type { SuggestionEntity, SuggestionStatus } from '../suggestions/suggestion.entity.js';
import { SuggestionQueries } from '../suggestions/suggestion-queries.repository.js';
import { parseStoredWords } from '../screening/word-list.js';
import { csvRow } from './csv.js';
import { isPictureFileName, isPublicRender, metadataFileName, resolveImagePath } from './image-files.js';

/** Rows read from the database at a time: the export's memory does not grow with the party. */
export const EXPORT_BATCH_SIZE = 500;

export interface ExportedPrompt {
  id: number;
  prompt: string;
  colour: { name: string | null; hex: string | null };
  width: number;
  height: number;
  status: SuggestionStatus;
  submittedAt: string;
  decidedAt: string | null;
  queuedAt: string | null;
  renderedAt: string | null;
  failedAt: string | null;
  failureReason: string | null;
  /** Why it was denied, when it was not a plain Deny (the deny list, a ban). */
  decisionReason: string | null;
  /** The rule that decided it when no person did (an Auto-approve rule, or the deny list). */
  decisionRule: string | null;
  /** Hold words it was flagged for. */
  flaggedWords: string[];
  /** A moderator edited the text before approving it (the original is in the audit log). */
  edited: boolean;
  /** It starts from a picture (img2img): `pictures/<id>.png` in the export. */
  hasPicture: boolean;
  picture: string | null;
  seed: number | null;
  /** Render review: waiting, passed or hidden (null when none was needed). */
  renderReview: string | null;
  /** The image under images/, only for one the room may see (never a hidden one). */
  imageFile: string | null;
}

export const CSV_COLUMNS = [
  'id',
  'prompt',
  'colourName',
  'colourHex',
  'width',
  'height',
  'status',
  'submittedAt',
  'decidedAt',
  'queuedAt',
  'renderedAt',
  'failedAt',
  'failureReason',
  'decisionReason',
  'decisionRule',
  'flaggedWords',
  'edited',
  'hasPicture',
  'picture',
  'seed',
  'renderReview',
  'imageFile',
] as const;

export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'kind',
  'action',
  'who',
  'actorId',
  'rule',
  'promptId',
  'subjectUserId',
  'subject',
  'summary',
  'details',
] as const;

/**
 * The party in one ZIP: prompts.csv and prompts.json with every prompt, audit.csv and audit.json with the
 * audit log, every image the room may see (and its metadata) under images/ (never one hidden or still
 * waiting for review), and every guest's picture (img2img) under pictures/. Entries are added one at a
 * time as the client reads, each from a lazy stream, so neither the rows nor the files are ever all in
 * memory.
 */
@Injectable()
export class ExportService {
  private readonly logger = new Logger('Export');

  constructor(
    private readonly suggestions: SuggestionQueries,
    private readonly config: GatewayConfig,
    private readonly audit: AuditLog,
  ) {}

  fileName(now = new Date()): string {
    return `vernissage-export-${now.toISOString().slice(0, 16).replace(':', '-')}.zip`;
  }

  zip(): Readable {
    // archiver buffers up to 1 MB per side by default; a smaller buffer keeps each export's memory small.
    const archive = archiver('zip', { zlib: { level: 6 }, highWaterMark: 64 * 1024 });
    // The client may leave mid-download; the filling loop then stops instead of waiting forever.
    const stopped = new AbortController();
    archive.once('close', () => stopped.abort());
    archive.on('warning', (warning) => this.logger.warn(warning.message));
    this.fill(archive, stopped.signal).catch((error: unknown) => {
      if (stopped.signal.aborted) return;
      this.logger.error(`Export failed: ${error instanceof Error ? error.message : String(error)}`);
      archive.destroy(error instanceof Error ? error : new Error(String(error)));
    });
    return archive as unknown as Readable;
  }

  private async fill(archive: Archiver, signal: AbortSignal): Promise<void> {
    await add(archive, Readable.from(this.csv(), { objectMode: false }), { name: 'prompts.csv' }, signal);
    await add(archive, Readable.from(this.json(), { objectMode: false }), { name: 'prompts.json' }, signal);
    await add(archive, Readable.from(this.auditCsv(), { objectMode: false }), { name: 'audit.csv' }, signal);
    await add(
      archive,
      Readable.from(this.auditJson(), { objectMode: false }),
      { name: 'audit.json' },
      signal,
    );
    for await (const row of this.rows()) {
      if (row.pictureFile && isPictureFileName(row.pictureFile)) {
        const picture = join(this.config.uploadDir, row.pictureFile);
        if (await isFile(picture)) {
          const entry = { name: `pictures/${row.id}.png`, store: true, date: row.submittedAt };
          await add(archive, lazyFile(picture), entry, signal);
        }
      }
      if (!isPublicRender(row)) continue;
      const path = resolveImagePath(this.config.outputDir, row.imageFile);
      if (!path || !(await isFile(path))) {
        this.logger.warn(`Prompt #${row.id} is rendered but ${row.imageFile} is missing; left out.`);
        continue;
      }
      const date = row.renderedAt ?? undefined;
      // PNG/JPEG/WebP are compressed already: stored, not deflated again.
      await add(archive, lazyFile(path), { name: `images/${row.imageFile}`, store: true, date }, signal);
      const metadata = join(this.config.outputDir, metadataFileName(row.imageFile));
      if (await isFile(metadata)) {
        await add(
          archive,
          lazyFile(metadata),
          { name: `images/${metadataFileName(row.imageFile)}`, date },
          signal,
        );
      }
    }
    signal.throwIfAborted();
    await archive.finalize();
  }

  private async *rows(): AsyncGenerator<SuggestionEntity> {
    let afterId = 0;
    for (;;) {
      const batch = await this.suggestions.listAllWithAuthors(afterId, EXPORT_BATCH_SIZE);
      yield* batch;
      if (batch.length < EXPORT_BATCH_SIZE) return;
      afterId = batch[batch.length - 1].id;
    }
  }

  private async *csv(): AsyncGenerator<Buffer> {
    // The BOM makes spreadsheet programs read the file as UTF-8.
    yield Buffer.from(`\uFEFF${csvRow(CSV_COLUMNS)}`);
    for await (const row of this.rows()) {
      const p = toExportedPrompt(row);
      yield Buffer.from(
        csvRow([
          p.id,
          p.prompt,
          p.colour.name,
          p.colour.hex,
          p.width,
          p.height,
          p.status,
          p.submittedAt,
          p.decidedAt,
          p.queuedAt,
          p.renderedAt,
          p.failedAt,
          p.failureReason,
          p.decisionReason,
          p.decisionRule,
          p.flaggedWords.join(', '),
          p.edited ? 'yes' : 'no',
          p.hasPicture ? 'yes' : 'no',
          p.picture,
          p.seed,
          p.renderReview,
          p.imageFile,
        ]),
      );
    }
  }

  private async *json(): AsyncGenerator<Buffer> {
    yield Buffer.from('[');
    let first = true;
    for await (const row of this.rows()) {
      yield Buffer.from(`${first ? '\n' : ',\n'}  ${JSON.stringify(toExportedPrompt(row))}`);
      first = false;
    }
    yield Buffer.from(first ? ']\n' : '\n]\n');
  }

  private async *auditRows(): AsyncGenerator<AuditRow> {
    let afterId = 0;
    for (;;) {
      const batch = await this.audit.listAfter(afterId, EXPORT_BATCH_SIZE);
      yield* batch;
      if (batch.length < EXPORT_BATCH_SIZE) return;
      afterId = batch[batch.length - 1].id;
    }
  }

  private async *auditCsv(): AsyncGenerator<Buffer> {
    yield Buffer.from(`\uFEFF${csvRow(AUDIT_CSV_COLUMNS)}`);
    for await (const row of this.auditRows()) {
      const entry = toExportedAuditEntry(row);
      yield Buffer.from(
        csvRow([
          entry.id,
          entry.at,
          entry.kind,
          entry.action,
          entry.who,
          entry.actorId,
          entry.rule,
          entry.promptId,
          entry.subjectUserId,
          entry.subject,
          entry.summary,
          entry.details === null ? null : JSON.stringify(entry.details),
        ]),
      );
    }
  }

  private async *auditJson(): AsyncGenerator<Buffer> {
    yield Buffer.from('[');
    let first = true;
    for await (const row of this.auditRows()) {
      yield Buffer.from(`${first ? '\n' : ',\n'}  ${JSON.stringify(toExportedAuditEntry(row))}`);
      first = false;
    }
    yield Buffer.from(first ? ']\n' : '\n]\n');
  }
}

export function toExportedAuditEntry(row: AuditRow) {
  let details: unknown = null;
  try {
    details = row.details ? JSON.parse(row.details) : null;
  } catch {
    details = row.details;
  }
  return {
    id: row.id,
    at: row.at.toISOString(),
    kind: row.kind,
    action: row.action,
    who: whoDid(row),
    actorId: row.actorId,
    rule: row.rule,
    promptId: row.suggestionId,
    subjectUserId: row.subjectUserId,
    subject: row.subjectName,
    summary: row.summary,
    details,
  };
}

export function toExportedPrompt(row: SuggestionEntity): ExportedPrompt {
  return {
    id: row.id,
    prompt: row.prompt,
    colour: { name: row.user?.colourName ?? null, hex: row.user?.colourHex ?? null },
    width: row.width,
    height: row.height,
    status: row.status,
    submittedAt: row.submittedAt.toISOString(),
    decidedAt: row.decidedAt?.toISOString() ?? null,
    queuedAt: row.queuedAt?.toISOString() ?? null,
    renderedAt: row.renderedAt?.toISOString() ?? null,
    failedAt: row.failedAt?.toISOString() ?? null,
    failureReason: row.failureReason,
    decisionReason: row.decisionReason,
    decisionRule: row.decisionRule,
    flaggedWords: parseStoredWords(row.flaggedWords),
    edited: row.originalPrompt !== null,
    hasPicture: row.pictureFile !== null,
    picture: row.pictureFile !== null ? `pictures/${row.id}.png` : null,
    seed: row.seed,
    renderReview: row.renderReview,
    // The public part names only images the room may see.
    imageFile: isPublicRender(row) ? row.imageFile : null,
  };
}

/** Appends one entry and waits until the archive has consumed it, so only one source is open at a time. */
async function add(
  archive: Archiver,
  source: Readable,
  data: ZipEntryData,
  signal: AbortSignal,
): Promise<void> {
  signal.throwIfAborted();
  // If the client leaves mid-entry, the source is closed too (and with it its file).
  const closeSource = () => source.destroy();
  signal.addEventListener('abort', closeSource, { once: true });
  try {
    const done = once(archive, 'entry', { signal });
    archive.append(source, data);
    await done;
  } finally {
    signal.removeEventListener('abort', closeSource);
  }
}

/** A file stream that opens the file only when the archive starts reading it. */
function lazyFile(path: string): Readable {
  return Readable.from(
    (async function* () {
      const handle = await open(path, 'r');
      try {
        for await (const chunk of handle.createReadStream({ autoClose: false })) yield chunk as Buffer;
      } finally {
        await handle.close();
      }
    })(),
    { objectMode: false },
  );
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

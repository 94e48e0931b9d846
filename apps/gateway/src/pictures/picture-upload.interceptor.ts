import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BadRequestException,
  type CallHandler,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  type NestInterceptor,
  type OnModuleInit,
  PayloadTooLargeException,
} from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { catchError, concatMap, finalize, from, mergeMap, type Observable } from 'rxjs';
import { PICTURE_LIMITS } from '#contracts';
import type { AppRequest } from '../common/app-request.js';
import { GatewayConfig } from '../config/gateway.config.js';
import { PICTURE_TOO_LARGE } from './picture-limits.js';

/** The multipart field that carries the picture file. */
export const PICTURE_FIELD = 'image';
/** Uploads one client may have in flight at once (each may take a while on a phone's connection). */
export const UPLOADS_PER_CLIENT = 2;
/** Room for the form's other fields and the multipart framing around a picture at the cap. */
const MULTIPART_OVERHEAD = 256 * 1024;

const incomingDir = (config: GatewayConfig) => join(config.uploadDir, 'incoming');

const isMultipart = (req: Request) => /^multipart\/form-data/i.test(req.get('content-type') ?? '');

function refusalFor(error: unknown): HttpException {
  if (error instanceof multer.MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') return new PayloadTooLargeException(PICTURE_TOO_LARGE);
    if (error.code === 'LIMIT_UNEXPECTED_FILE') {
      return new BadRequestException(`Send the picture in the "${PICTURE_FIELD}" field, one file only.`);
    }
  }
  return new BadRequestException('That form could not be read.');
}

/**
 * Uploads in flight per user. A service of its own: Nest makes one interceptor per module that uses it
 * (the form's and the API's), and the cap is one for both.
 */
@Injectable()
export class UploadSlots implements OnModuleInit {
  private readonly inFlight = new Map<number, number>();

  constructor(private readonly config: GatewayConfig) {}

  /** Parts left behind by a crash mid-upload are of no use to anyone. */
  async onModuleInit(): Promise<void> {
    await rm(incomingDir(this.config), { recursive: true, force: true });
  }

  /** Takes a slot for this user, or throws 429; the returned function gives it back. */
  take(userId: number): () => void {
    const mine = this.inFlight.get(userId) ?? 0;
    if (mine >= UPLOADS_PER_CLIENT) {
      throw new HttpException(
        'One picture at a time, please: wait for your other upload to finish.',
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    this.inFlight.set(userId, mine + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.inFlight.get(userId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(userId, left);
      else this.inFlight.delete(userId);
    };
  }
}

/**
 * Reads a multipart prompt (the guest form with a Picture, or the API's) on the routes that take one. An
 * interceptor, so it runs after every guard: nothing of the body is read before the sender is known,
 * has passed CSRF (the token comes in the query string or a header, see csrf.ts) and may send. The
 * picture streams to a temporary file under UPLOAD_DIR (never into memory) with the 64 MB cap, at most
 * UPLOADS_PER_CLIENT per user at a time; the file is removed once the request is answered.
 */
@Injectable()
export class PictureUploadInterceptor implements NestInterceptor {
  private readonly parse: RequestHandler;

  constructor(
    config: GatewayConfig,
    private readonly slots: UploadSlots,
  ) {
    const incoming = incomingDir(config);
    this.parse = multer({
      storage: multer.diskStorage({
        destination: (_req, _file, done) => {
          mkdir(incoming, { recursive: true }).then(
            () => done(null, incoming),
            (error: Error) => done(error, incoming),
          );
        },
        filename: (_req, _file, done) => done(null, `${randomUUID()}.part`),
      }),
      limits: { fileSize: PICTURE_LIMITS.maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
    }).single(PICTURE_FIELD);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<AppRequest & { file?: Express.Multer.File }>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!isMultipart(req)) return next.handle();
    let release: () => void;
    try {
      if (Number(req.get('content-length')) > PICTURE_LIMITS.maxBytes + MULTIPART_OVERHEAD) {
        throw new PayloadTooLargeException(PICTURE_TOO_LARGE);
      }
      // The guards have established the user (a session or an API token) by now.
      release = this.slots.take(req.user!.id);
    } catch (error) {
      // Refused unread: close the connection after the answer instead of draining the body.
      res.setHeader('Connection', 'close');
      throw error;
    }
    // Once, before the answer leaves (so nothing is left behind when the client hears back), and on any
    // other ending as well.
    let cleaning: Promise<void> | undefined;
    const cleanUp = () =>
      (cleaning ??= (async () => {
        release();
        if (req.file?.path) await rm(req.file.path, { force: true });
      })());
    try {
      await new Promise<void>((resolve, reject) =>
        this.parse(req, res, (error: unknown) => (error ? reject(refusalFor(error)) : resolve())),
      );
    } catch (error) {
      await cleanUp();
      throw error;
    }
    return next.handle().pipe(
      concatMap(async (result: unknown) => {
        await cleanUp();
        return result;
      }),
      catchError((error: unknown) =>
        from(cleanUp()).pipe(
          mergeMap(() => {
            throw error;
          }),
        ),
      ),
      finalize(() => void cleanUp()),
    );
  }
}

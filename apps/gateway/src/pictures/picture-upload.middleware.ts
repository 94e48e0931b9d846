import {
  BadRequestException,
  type HttpException,
  Injectable,
  PayloadTooLargeException,
  type NestMiddleware,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { PICTURE_LIMITS } from '#contracts';
import { PICTURE_TOO_LARGE } from './picture-limits.js';
import { PICTURE_REFUSAL, type RequestWithPicture } from './uploaded-picture.decorator.js';

/** The multipart field that carries the picture file. */
export const PICTURE_FIELD = 'image';

const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: PICTURE_LIMITS.maxBytes, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
}).single(PICTURE_FIELD);

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
 * Parses multipart prompt forms (the guest form with a Picture). A middleware rather than Nest's
 * FileInterceptor because the global CSRF guard runs before interceptors and needs the form's `_csrf`
 * field, which only exists once the multipart body is parsed. Other content types pass untouched. A
 * refusal is left for the handler (@UploadedPicture), so it is answered like the route's other refusals.
 */
@Injectable()
export class PictureUploadMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    upload(req, res, (error: unknown) => {
      if (error) (req as RequestWithPicture)[PICTURE_REFUSAL] = refusalFor(error);
      next();
    });
  }
}

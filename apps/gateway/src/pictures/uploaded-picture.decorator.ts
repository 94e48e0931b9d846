import { createParamDecorator, type ExecutionContext, type HttpException } from '@nestjs/common';
import type { Request } from 'express';

/** Where PictureUploadMiddleware leaves a refusal for the handler to raise (see below). */
export const PICTURE_REFUSAL = Symbol('pictureRefusal');

export type RequestWithPicture = Request & { [PICTURE_REFUSAL]?: HttpException };

/**
 * The uploaded picture's bytes (multipart field `image`), or undefined. A picture the upload middleware
 * refused (too large, unreadable form) is raised here, inside the handler's call, so the route answers it
 * like any other refusal (inline on the form for a browser) rather than from the middleware.
 */
export const UploadedPicture = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const req = context.switchToHttp().getRequest<RequestWithPicture & { file?: Express.Multer.File }>();
  const refusal = req[PICTURE_REFUSAL];
  if (refusal) throw refusal;
  return req.file?.buffer;
});

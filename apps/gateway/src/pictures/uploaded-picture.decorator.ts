import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** An uploaded picture as PictureUploadInterceptor left it: a temporary file, removed after the answer. */
export interface UploadedPictureFile {
  path: string;
  size: number;
}

/** The picture of a multipart prompt (field `image`), or undefined when none came. */
export const UploadedPicture = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UploadedPictureFile | undefined => {
    const file = context.switchToHttp().getRequest<Request & { file?: Express.Multer.File }>().file;
    return file ? { path: file.path, size: file.size } : undefined;
  },
);

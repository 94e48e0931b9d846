import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiModule } from './api.module.js';

export const API_DOCS_PATH = 'api/docs';

/** OpenAPI for the /api routes only (pages are not an API): the UI at /api/docs, the JSON at /api/docs-json. */
export function setUpApiDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Vernissage API')
    .setDescription(
      'Send prompts, follow them, moderate and register members. Authenticate with the session cookie or ' +
        'a personal API token (created on /account) as `Authorization: Bearer vn_…`. Errors are always ' +
        '`{ statusCode, message, error }`.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addCookieAuth('vernissage.sid')
    .build();
  const document = SwaggerModule.createDocument(app, config, { include: [ApiModule] });
  SwaggerModule.setup(API_DOCS_PATH, app, document, {
    // The UI would otherwise ask validator.swagger.io for a badge: no third-party calls from our pages.
    swaggerOptions: { validatorUrl: null },
  });
}

import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { GatewayConfig } from '../config/gateway.config.js';
import { ApiModule } from './api.module.js';
import { API_SECURITY, API_TAGS } from './openapi-names.js';

export const API_DOCS_PATH = 'api/docs';

/** OpenAPI for the /api routes only (pages are not an API): the UI at /api/docs, the JSON at /api/docs-json. */
export function setUpApiDocs(app: INestApplication, config: GatewayConfig): void {
  const builder = new DocumentBuilder()
    .setTitle('Vernissage API')
    .setDescription(
      'Send prompts, follow them, moderate and register members. Authenticate with a personal API token ' +
        '(created on /account) as `Authorization: Bearer vn_…`, or with the session cookie of a signed-in ' +
        'page, which must then send the page’s CSRF token as `x-csrf-token` on every POST. Errors are always ' +
        '`{ statusCode, message, error }`.',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addTag(API_TAGS.prompts, 'Send prompts and follow your own.')
    .addTag(API_TAGS.moderation, 'Approve or deny prompts (moderators and the admin).')
    .addTag(API_TAGS.members, 'Register members (the admin).')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        // Opaque, not a JWT: `vn_` and 43 random characters; only its SHA-256 is stored.
        bearerFormat: 'vn_…',
        description: 'A personal API token from /account, sent as `Authorization: Bearer vn_…`.',
      },
      API_SECURITY.token,
    )
    .addCookieAuth(
      'vernissage.sid',
      {
        type: 'apiKey',
        in: 'cookie',
        name: 'vernissage.sid',
        description: 'The session cookie of a signed-in page; POSTs also need the `x-csrf-token` header.',
      },
      API_SECURITY.session,
    );
  // Paths start with /api, so the server is the gateway's origin: PUBLIC_URL, or wherever the document was fetched.
  if (config.publicUrl) builder.addServer(config.publicUrl, 'This party');
  else builder.addServer('/', 'This gateway (the origin the document was fetched from)');
  const document = SwaggerModule.createDocument(app, builder.build(), {
    include: [ApiModule],
    // Only the declared tags above, not one more named after the controller class.
    autoTagControllers: false,
  });
  SwaggerModule.setup(API_DOCS_PATH, app, document, {
    // The UI would otherwise ask validator.swagger.io for a badge: no third-party calls from our pages.
    swaggerOptions: { validatorUrl: null },
  });
}

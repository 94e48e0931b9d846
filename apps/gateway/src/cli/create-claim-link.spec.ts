import { afterAll, describe, expect, it } from 'vitest';
import { browser, HTML, makeTempDir, openHome, startGateway } from '../../../../test/gateway/harness.js';
import { loadGatewayConfig } from '../config/gateway.config.js';
import { createClaimLink } from './create-claim-link.js';

describe('admin:claim-link', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('writes a link to the shared database that a running gateway accepts once', async () => {
    const gateway = await startGateway(temp.dir);
    try {
      const config = loadGatewayConfig({
        DATABASE_PATH: gateway.config.databasePath,
        RENDERER_TOKEN_FILE: `${temp.dir}/renderer.token`,
        PUBLIC_URL: 'https://party.example',
      });
      const link = await createClaimLink(config);
      expect(link).toMatch(/^https:\/\/party\.example\/admin\/claim\/[A-Za-z0-9_-]{43}$/);
      const host = browser(gateway.url, 'Laptop/cli-host');
      await openHome(host);
      const path = new URL(link).pathname;
      expect((await host.get(path).set('Accept', HTML)).status).toBe(303);
      expect((await host.get('/admin').set('Accept', HTML)).status).toBe(200);
      expect((await host.get(path).set('Accept', HTML)).status).toBe(403);
    } finally {
      await gateway.close();
    }
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../apps/gateway/src/config/gateway.config.js';
import {
  becomeAdmin,
  browser,
  colourFrom,
  HTML,
  LAPTOP_UA,
  makeTempDir,
  openHome,
  PHONE_UA,
  startGateway,
  type TestGateway,
} from './gateway/harness.js';
import { sendFrom } from './support/from-address.js';

describe('guest identity (HTTP, real SQLite file)', () => {
  const temp = makeTempDir();
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(temp.dir);
  });
  afterAll(async () => {
    await gateway.close();
    temp.cleanup();
  });

  it('welcomes a new guest with a colour of their own and a safe session cookie', async () => {
    const guest = browser(gateway.url, 'Phone/new-guest');
    const res = await guest.get('/').set('Accept', HTML);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Your colour is');
    const colour = colourFrom(res.text);
    expect(res.text).toContain(`<strong>${colour}</strong>`);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/vernissage\.sid=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(res.headers['content-security-policy']).toMatch(/script-src 'self' 'nonce-/);
    // A page carries a fresh nonce and token every time: no ETag is computed for it. Static files keep theirs.
    expect(res.headers['etag']).toBeUndefined();
    const again = await guest.get('/').set('Accept', HTML);
    const nonceOf = (csp: unknown) => /'nonce-([^']+)'/.exec(String(csp))?.[1];
    const [first, second] = [res, again].map((answer) => nonceOf(answer.headers['content-security-policy']));
    expect(second).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(second).not.toBe(first);
    expect((await guest.get('/public/app.css')).headers['etag']).toBeDefined();
  });

  it('recognises a returning guest by the cookie, without the welcome again', async () => {
    const guest = browser(gateway.url, 'Phone/returning');
    const first = await openHome(guest);
    const second = await openHome(guest);
    expect(colourFrom(second.html)).toBe(colourFrom(first.html));
    expect(second.html).not.toContain('Your colour is');
  });

  it('asks "Are you lost?" when the cookie is gone, and continuing restores the colour', async () => {
    const ua = 'Phone/lost-and-found';
    const original = await openHome(browser(gateway.url, ua));
    const colour = colourFrom(original.html);

    const cookieless = browser(gateway.url, ua);
    const lost = await openHome(cookieless);
    expect(lost.html).toContain('Are you lost?');
    expect(lost.html).toContain(`Continue as ${colour}`);
    expect(lost.html).toContain('Start fresh');

    const userId = /name="userId" value="(\d+)"/.exec(lost.html)![1];
    const chosen = await cookieless
      .post('/welcome-back/continue')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: lost.csrf, userId });
    expect(chosen.status).toBe(303);
    const home = await openHome(cookieless);
    expect(colourFrom(home.html)).toBe(colour);
    expect(home.html).not.toContain('Are you lost?');
  });

  it('"Start fresh" gives a different colour and leaves the old one alone', async () => {
    const ua = 'Phone/start-fresh';
    const original = colourFrom((await openHome(browser(gateway.url, ua))).html);
    const cookieless = browser(gateway.url, ua);
    const lost = await openHome(cookieless);
    const fresh = await cookieless
      .post('/welcome-back/fresh')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: lost.csrf });
    expect(fresh.status).toBe(303);
    const home = await openHome(cookieless);
    expect(home.html).toContain('Your colour is');
    expect(colourFrom(home.html)).not.toBe(original);
    // Both colours are now offered to the next cookieless visitor with this device.
    const again = await openHome(browser(gateway.url, ua));
    expect(again.html).toContain(`Continue as ${original}`);
    expect(again.html).toContain(`Continue as ${colourFrom(home.html)}`);
  });

  it('"Start fresh" gives one device a few new colours an hour, then 429: per-guest limits hold', async () => {
    const ua = 'Phone/identity-minter';
    await openHome(browser(gateway.url, ua));
    const colours = new Set<string>();
    const mint = async () => {
      const cookieless = browser(gateway.url, ua);
      const lost = await openHome(cookieless);
      expect(lost.html).toContain('Are you lost?');
      const fresh = await cookieless
        .post('/welcome-back/fresh')
        .set('Accept', HTML)
        .type('form')
        .send({ _csrf: lost.csrf });
      if (fresh.status === 303) colours.add(colourFrom((await openHome(cookieless)).html));
      return fresh;
    };
    for (let i = 0; i < 5; i++) expect((await mint()).status).toBe(303);
    expect(colours.size).toBe(5);
    const refused = await mint();
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.text).toContain('Too many new colours from this device in the last hour.');
    expect(colours.size).toBe(5);
    // Another device is not held back by this one.
    await openHome(browser(gateway.url, 'Phone/identity-other'));
    const other = browser(gateway.url, 'Phone/identity-other');
    const otherLost = await openHome(other);
    const otherFresh = await other
      .post('/welcome-back/fresh')
      .set('Accept', HTML)
      .type('form')
      .send({ _csrf: otherLost.csrf });
    expect(otherFresh.status).toBe(303);
  });

  it('refuses to hand over a colour that was never seen with this fingerprint', async () => {
    const victim = await openHome(browser(gateway.url, 'Phone/victim'));
    const victimColour = colourFrom(victim.html);
    const attacker = browser(gateway.url, 'Phone/attacker');
    const attackerHome = await openHome(attacker);
    const cookielessAttacker = browser(gateway.url, 'Phone/attacker');
    const lost = await openHome(cookielessAttacker);
    expect(lost.html).toContain('Are you lost?');
    // Guess ids: none of them may belong to the victim.
    for (let userId = 1; userId <= 12; userId++) {
      const res = await cookielessAttacker
        .post('/welcome-back/continue')
        .set('Accept', 'application/json')
        .type('form')
        .send({ _csrf: lost.csrf, userId });
      if (res.status === 303) {
        const home = await openHome(cookielessAttacker);
        expect(colourFrom(home.html)).toBe(colourFrom(attackerHome.html));
        expect(colourFrom(home.html)).not.toBe(victimColour);
        return;
      }
      expect(res.status).toBe(403);
    }
  });

  it('never offers an admin account on the "Are you lost?" page', async () => {
    const adminBrowser = browser(gateway.url, LAPTOP_UA);
    await openHome(adminBrowser);
    await becomeAdmin(gateway, adminBrowser);
    const sameDevice = browser(gateway.url, LAPTOP_UA);
    const page = await openHome(sameDevice);
    expect(page.html).not.toContain('Are you lost?');
    expect(page.html).toContain('Your colour is');
  });

  it('rejects a CSRF-less "continue" without changing anything', async () => {
    const ua = 'Phone/csrf-less';
    await openHome(browser(gateway.url, ua));
    const cookieless = browser(gateway.url, ua);
    const lost = await openHome(cookieless);
    const userId = /name="userId" value="(\d+)"/.exec(lost.html)![1];
    const res = await cookieless
      .post('/welcome-back/continue')
      .set('Accept', 'application/json')
      .type('form')
      .send({ userId });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    expect((await openHome(cookieless)).html).toContain('Are you lost?');
  });

  it('gives 300 simultaneous first visits 300 distinct colours and no 5xx', async () => {
    const visits = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        request(gateway.url).get('/').set('Accept', HTML).set('User-Agent', `Crowd/${i}`),
      ),
    );
    expect(visits.filter((res) => res.status !== 200)).toEqual([]);
    const colours = visits.map((res) => colourFrom(res.text));
    expect(new Set(colours).size).toBe(300);
  }, 60_000);

  it('keeps no raw IP, User-Agent or language in the database', async () => {
    const marker = 'Marker-UA/NeverStoreThis';
    await openHome(browser(gateway.url, marker, 'xx-MARKER'));
    const files = readdirSync(temp.dir).filter((name) => name.startsWith('vernissage.sqlite'));
    const bytes = files.map((name) => readFileSync(join(temp.dir, name)).toString('latin1')).join('');
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes).not.toContain(marker);
    expect(bytes).not.toContain('xx-MARKER');
    expect(bytes).not.toContain('127.0.0.1');
    expect(bytes).not.toContain(PHONE_UA);
  });

  it('keeps the colour across a gateway restart (sessions live in SQLite)', async () => {
    const guest = browser(gateway.url, 'Phone/restart');
    const before = colourFrom((await openHome(guest)).html);
    await gateway.close();
    gateway = await startGateway(temp.dir);
    // The port changed; carry the cookie over to the new address.
    const cookie = guest.jar.getCookie('vernissage.sid', {
      domain: '127.0.0.1',
      path: '/',
      secure: false,
      script: false,
    });
    expect(cookie).toBeTruthy();
    const res = await request(gateway.url)
      .get('/')
      .set('Accept', HTML)
      .set('User-Agent', 'Phone/restart')
      .set('Cookie', `vernissage.sid=${cookie!.value}`);
    expect(colourFrom(res.text)).toBe(before);
    expect(res.text).not.toContain('Are you lost?');
  });
});

describe('forwarded addresses (TRUST_PROXY)', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('refuses to start with TRUST_PROXY=on: the proxy must be named', async () => {
    await expect(startGateway(temp.dir, { TRUST_PROXY: 'on' })).rejects.toThrow(ConfigError);
    await expect(startGateway(temp.dir, { TRUST_PROXY: 'on' })).rejects.toThrow(
      /TRUST_PROXY: name the proxy/,
    );
  });

  it('ignores X-Forwarded-For from any peer but the named proxy', async () => {
    const gateway = await startGateway(temp.dir, { TRUST_PROXY: '127.0.0.1' });
    try {
      const headers = (xff: string) => ({
        Accept: 'text/html',
        'User-Agent': PHONE_UA,
        'Accept-Language': 'en',
        'X-Forwarded-For': xff,
      });
      // Through the proxy (127.0.0.1), each forwarded address is its own network: three new guests…
      for (const xff of ['198.51.100.7', '198.51.100.7', '203.0.113.9']) {
        await sendFrom(`${gateway.url}/`, { from: '127.0.0.1', headers: headers(xff) });
      }
      const again = await sendFrom(`${gateway.url}/`, {
        from: '127.0.0.1',
        headers: headers('198.51.100.8'),
      });
      expect(again.body).toContain('Are you lost?');
      // …but straight from another peer (127.0.0.2), forged values count for nothing: all of them are one
      // visitor at 127.0.0.2, not three separate ones.
      const kinds: string[] = [];
      for (const xff of ['10.1.1.1', '10.2.2.2', '10.3.3.3']) {
        const res = await sendFrom(`${gateway.url}/`, { from: '127.0.0.2', headers: headers(xff) });
        kinds.push(
          res.body.includes('Your colour is')
            ? 'new'
            : res.body.includes('Are you lost?')
              ? 'lost'
              : `${res.status}`,
        );
      }
      expect(kinds).toEqual(['new', 'lost', 'lost']);
    } finally {
      await gateway.close();
    }
  });
});

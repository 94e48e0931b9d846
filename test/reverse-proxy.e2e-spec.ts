import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, makeTempDir, startGateway, type TestGateway } from './gateway/harness.js';
import { eventually, freePort } from './pipeline/processes.js';
import { Party } from './support/gallery-fixtures.js';
import { createSelfSignedCertificate, type TestCertificate } from './support/tls-certificates.js';

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const CADDY = process.env.CADDY_PATH ?? '/usr/bin/caddy';
const README = join(import.meta.dirname, '..', 'README.md');
const UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) reverse-proxy-spec';

function readmeBlock(language: string): string {
  const block = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(readFileSync(README, 'utf8'))?.[1];
  if (!block) throw new Error(`no ${language} block in the README`);
  return block;
}

function swapped(text: string, swaps: [RegExp, string][]): string {
  let result = text;
  for (const [pattern, replacement] of swaps) {
    if (!pattern.test(result)) throw new Error(`the README's block has no ${pattern}`);
    result = result.replace(pattern, replacement);
  }
  return result;
}

/**
 * The README's Caddyfile with the site's name swapped for a loopback address, the certificate given (there
 * is no ACME here) and the upstream port swapped; global options keep Caddy to this directory, offline.
 */
function caddyConfigFromReadme(options: {
  dir: string;
  httpsPort: number;
  gatewayPort: number;
  cert: TestCertificate;
}): string {
  const site = swapped(readmeBlock('caddyfile'), [
    [
      /^party\.example\.org \{$/m,
      `https://127.0.0.1:${options.httpsPort} {\n    bind 127.0.0.1\n    tls ${options.cert.certPath} ${options.cert.keyPath}`,
    ],
    [/reverse_proxy 127\.0\.0\.1:3000/, `reverse_proxy 127.0.0.1:${options.gatewayPort}`],
  ]);
  const global = [
    '{',
    '  admin off',
    '  auto_https disable_redirects',
    `  storage file_system ${join(options.dir, 'data')}`,
    '}',
  ];
  return [...global, site].join('\n');
}

/** The README's nginx server blocks, with only the listen addresses, upstream port and certificate swapped. */
function nginxConfigFromReadme(options: {
  dir: string;
  httpPort: number;
  httpsPort: number;
  gatewayPort: number;
  cert: TestCertificate;
}): string {
  const block = readmeBlock('nginx');
  const swaps: [RegExp, string][] = [
    [/listen 80;/, `listen 127.0.0.1:${options.httpPort};`],
    [/listen 443 ssl http2;/, `listen 127.0.0.1:${options.httpsPort} ssl http2;`],
    [/proxy_pass http:\/\/127\.0\.0\.1:3000;/, `proxy_pass http://127.0.0.1:${options.gatewayPort};`],
    [/ssl_certificate \S+;/, `ssl_certificate ${options.cert.certPath};`],
    [/ssl_certificate_key \S+;/, `ssl_certificate_key ${options.cert.keyPath};`],
  ];
  const servers = swapped(block, swaps);
  const temp = (name: string) => {
    const path = join(options.dir, name);
    mkdirSync(path, { recursive: true });
    // nginx's workers drop to an unprivileged user when started as root.
    chmodSync(path, 0o777);
    return path;
  };
  return [
    'daemon off;',
    'worker_processes 1;',
    `pid ${join(options.dir, 'nginx.pid')};`,
    `error_log ${join(options.dir, 'error.log')} warn;`,
    'events { worker_connections 64; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${temp('client_body')};`,
    `  proxy_temp_path ${temp('proxy')};`,
    `  fastcgi_temp_path ${temp('fastcgi')};`,
    `  uwsgi_temp_path ${temp('uwsgi')};`,
    `  scgi_temp_path ${temp('scgi')};`,
    servers,
    '}',
  ].join('\n');
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request from a chosen loopback source address (so the test has clients on different /24 networks),
 * over HTTPS to nginx or plain HTTP straight to the gateway.
 */
function send(
  url: string,
  options: { from: string; method?: string; headers?: Record<string, string>; body?: string; ca?: string },
): Promise<Answer> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        localAddress: options.from,
        headers: { 'User-Agent': UA, 'Accept-Language': 'en', Accept: 'text/html', ...options.headers },
        ca: options.ca,
        timeout: 10_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

const cookieOf = (answer: Answer) => (answer.headers['set-cookie'] ?? [])[0]?.split(';')[0] ?? '';
const colourOf = (html: string) => /<span class="swatch-name">([^<]+)<\/span>/.exec(html)?.[1];

interface Proxy {
  name: string;
  binary: string;
  /** Writes its configuration into `dir` and returns how to start it; `http` is set when it also redirects. */
  configure(options: {
    dir: string;
    httpPort: number;
    httpsPort: number;
    gatewayPort: number;
    cert: TestCertificate;
  }): { args: string[]; env?: Record<string, string>; redirectsHttp: boolean };
}

const PROXIES: Proxy[] = [
  {
    name: 'Debian nginx',
    binary: NGINX,
    configure(options) {
      const config = join(options.dir, 'nginx.conf');
      writeFileSync(config, nginxConfigFromReadme(options));
      return {
        args: ['-p', options.dir, '-c', config, '-e', join(options.dir, 'error.log')],
        redirectsHttp: true,
      };
    },
  },
  {
    name: 'Debian Caddy',
    binary: CADDY,
    configure(options) {
      const config = join(options.dir, 'Caddyfile');
      writeFileSync(config, caddyConfigFromReadme(options));
      return {
        args: ['run', '--config', config, '--adapter', 'caddyfile'],
        // Caddy keeps its state under the home directory: a throwaway one.
        env: {
          HOME: options.dir,
          XDG_CONFIG_HOME: join(options.dir, 'config'),
          XDG_DATA_HOME: join(options.dir, 'data'),
        },
        redirectsHttp: false,
      };
    },
  },
];

describe.each(PROXIES)('behind $name with the README’s configuration (TLS, loopback)', (proxy) => {
  const temp = makeTempDir('vernissage-proxy-');
  const cert = createSelfSignedCertificate();
  let gateway: TestGateway;
  let server: ChildProcess | undefined;
  let https: string;
  let http: string | null;

  beforeAll(async () => {
    if (!existsSync(proxy.binary)) {
      throw new Error(
        `${proxy.name} not found at ${proxy.binary}: scripts/test.sh installs it (CI runs that)`,
      );
    }
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    https = `https://127.0.0.1:${httpsPort}`;
    // As the README says: the proxy's own address is trusted, nobody else's.
    gateway = await startGateway(join(temp.dir, 'gateway'), {
      TRUST_PROXY: '127.0.0.1',
      PUBLIC_URL: `https://127.0.0.1:${httpsPort}`,
      // Quick heartbeats, to see them come through the proxy within the test.
      EVENT_HEARTBEAT_S: '1',
    });
    const dir = join(temp.dir, 'proxy');
    mkdirSync(dir, { recursive: true });
    chmodSync(temp.dir, 0o755);
    chmodSync(dir, 0o755);
    const start = proxy.configure({
      dir,
      httpPort,
      httpsPort,
      gatewayPort: Number(new URL(gateway.url).port),
      cert,
    });
    http = start.redirectsHttp ? `http://127.0.0.1:${httpPort}` : null;
    server = spawn(proxy.binary, start.args, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...start.env },
      stdio: 'pipe',
    });
    let output = '';
    const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
    server.stdout!.on('data', collect);
    server.stderr!.on('data', collect);
    await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          if (server!.exitCode !== null) throw new Error(`${proxy.name} stopped: ${output}`);
          const socket = connect(httpsPort, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
      (up) => up,
      10_000,
      `${proxy.name} to listen`,
    );
  }, 60_000);
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const stopped = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await stopped;
    }
    await gateway?.close();
    cert.cleanup();
    temp.cleanup();
  });

  const viaProxy = (path: string, from: string, options: Parameters<typeof send>[1] | object = {}) =>
    send(`${https}${path}`, { from, ca: cert.cert, ...options });

  it('over HTTPS: the page, HSTS, and a Secure session cookie; plain HTTP is sent to HTTPS', async () => {
    const home = await viaProxy('/', '127.0.1.5');
    expect(home.status).toBe(200);
    expect(home.body).toContain('Your colour is');
    expect(home.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(home.headers['set-cookie']?.[0]).toMatch(/^vernissage\.sid=[^;]+;.*; Secure/);

    // (Caddy redirects by itself on a real name; here, on an address, only nginx's server block does.)
    if (http) {
      const redirect = await send(`${http}/admin`, { from: '127.0.1.5' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toMatch(/^https:\/\/[^/]+\/admin$/);
    }
  });

  it('honours forwarded addresses from the proxy only', async () => {
    // A guest on one network…
    const first = await viaProxy('/', '127.0.10.5');
    const firstColour = colourOf(first.body);
    expect(first.body).toContain('Your colour is');
    // …someone with the same phone on that network, without the cookie, is asked "Are you lost?"…
    const sameNetwork = await viaProxy('/', '127.0.10.6');
    expect(sameNetwork.body).toContain('Are you lost?');
    expect(sameNetwork.body).toContain(`Continue as ${firstColour}`);
    // …and on another network is a new guest: the gateway saw each client's own address, not nginx's.
    const otherNetwork = await viaProxy('/', '127.0.20.5');
    expect(otherNetwork.body).toContain('Your colour is');
    const otherColour = colourOf(otherNetwork.body);
    expect(otherColour).not.toBe(firstColour);

    // A client that puts its own X-Forwarded-For through the proxy is still seen at its real address.
    const spoofedViaProxy = await viaProxy('/', '127.0.20.9', {
      headers: { 'X-Forwarded-For': '127.0.10.9' },
    });
    expect(spoofedViaProxy.body).toContain(`Continue as ${otherColour}`);
    expect(spoofedViaProxy.body).not.toContain(`Continue as ${firstColour}`);

    // Straight to the gateway (not the proxy): forwarded headers count for nothing, the cookie is not Secure.
    const direct = await send(`${gateway.url}/`, {
      from: '127.0.30.5',
      headers: { 'X-Forwarded-For': '127.0.10.9', 'X-Forwarded-Proto': 'https' },
    });
    expect(direct.body).toContain('Your colour is');
    expect(direct.body).not.toContain('Are you lost?');
    expect(direct.headers['set-cookie']?.[0]).not.toMatch(/Secure/);
  });

  it('passes live updates (server-sent events) through at once', async () => {
    const home = await viaProxy('/', '127.0.40.5');
    const cookie = cookieOf(home);
    const sent = await viaProxy('/prompts', '127.0.40.5', {
      method: 'POST',
      headers: {
        Cookie: cookie,
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'x-csrf-token': csrfFrom(home.body),
      },
      body: JSON.stringify({ prompt: 'through the proxy', width: 512, height: 512 }),
    });
    expect(sent.status).toBe(201);
    const id = (JSON.parse(sent.body) as { id: number }).id;

    let received = '';
    const stream = httpsRequest(`${https}/events`, {
      localAddress: '127.0.40.5',
      ca: cert.cert,
      headers: { Cookie: cookie, Accept: 'text/event-stream', 'User-Agent': UA, 'Accept-Language': 'en' },
    });
    const opened = new Promise<void>((resolve, reject) => {
      stream.on('response', (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (received += chunk));
        resolve();
      });
      stream.on('error', reject);
    });
    stream.end();
    try {
      await opened;
      // Let the stream settle, then the host approves: the guest hears it through nginx within moments.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const approvedAt = Date.now();
      await new Party(gateway).decide(id, 'approve');
      await eventually(
        () => received,
        (text) => /event: suggestion\.status\n(?:id: .*\n)?data: .*"status":"approved"/.test(text),
        5_000,
        'the approval to arrive through nginx',
      );
      expect(Date.now() - approvedAt).toBeLessThan(5_000);
      expect(received).toContain(`"suggestionId":${id}`);
      // The heartbeat comments come through too: what keeps a quiet stream within proxy_read_timeout.
      await eventually(
        () => received.match(/^: keep-alive$/gm)?.length ?? 0,
        (beats) => beats >= 1,
        3_000,
        'a heartbeat through the proxy',
      );
    } finally {
      stream.destroy();
    }
  });
});

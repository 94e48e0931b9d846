import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A keep-alive HTTP client for 127.0.0.1 with no cookie jar: callers pass the headers they mean. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    maxSockets = 16,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, this.baseUrl);
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The `name=value` part of the session cookie a reply set, ready for a Cookie header. */
export function sessionCookieFrom(reply: Reply, name = 'vernissage.sid'): string {
  const setCookie = reply.headers['set-cookie'];
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const found = cookies.map((cookie) => cookie.split(';')[0]).find((pair) => pair.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie in the reply (status ${reply.status})`);
  return found;
}

/** The page's CSRF token: from a form field, or the layout's meta tag (the prompt form has it in its action). */
export function csrfFrom(html: string): string {
  const match =
    /name="_csrf" value="([^"]+)"/.exec(html) ?? /<meta name="csrf-token" content="([^"]+)">/.exec(html);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1];
}

export const HTML = 'text/html,application/xhtml+xml';

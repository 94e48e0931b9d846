import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PNG } from 'pngjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodePng } from '../fake-a1111/png.js';
import { CHECKPOINTS, nodeSpecs, objectInfo, type NodeSpec } from './nodes.js';
import { validatePrompt, type Workflow } from './validation.js';

/**
 * A fake ComfyUI (0.3.64) written from reference/comfyui-api.md: HTTP routes under `/` and `/api`, the
 * WebSocket with per-client routing, one worker thread over one shared queue ordered by `number`, validation
 * before queueing, per-step progress, history, /view, /upload/image, interrupt (global, or by prompt_id only
 * while that prompt runs), queue deletion and object_info. Binds loopback only.
 */

export type FakeComfyMode = 'normal' | 'oom' | 'refuse';

export interface FakeComfyOptions {
  host?: string;
  port?: number;
  /** Time per sampler step; default 0. */
  stepDelayMs?: number;
}

export interface RecordedComfyRequest {
  method: string;
  path: string;
  body: unknown;
}

interface QueueItem {
  number: number;
  promptId: string;
  prompt: Workflow;
  extraData: Record<string, unknown>;
  outputs: string[];
}

interface HistoryEntry {
  prompt: unknown[];
  outputs: Record<string, { images: ImageRef[] }>;
  status: {
    status_str: 'success' | 'error';
    completed: boolean;
    messages: [string, Record<string, unknown>][];
  };
  meta: Record<string, unknown>;
}

interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1)$/;
const OOM_MESSAGE =
  'Allocation on device \nThis error means you ran out of memory on your GPU.\n\nTIPS: If the workflow worked before you might have accidentally set the batch_size to a large number.';

class InterruptedError extends Error {
  constructor(
    readonly nodeId: string,
    readonly nodeType: string,
  ) {
    super('Processing interrupted');
  }
}
class ExecutionError extends Error {
  constructor(
    readonly nodeId: string,
    readonly nodeType: string,
    readonly exceptionType: string,
    message: string,
  ) {
    super(message);
  }
}

export class FakeComfyUi {
  url = '';
  port = 0;
  readonly requests: RecordedComfyRequest[] = [];
  /** Files in the input folder ("vernissage/guest-1.png" → bytes) and the output folder. */
  readonly inputFiles = new Map<string, Buffer>();
  readonly outputFiles = new Map<string, Buffer>();
  /** Prompt ids, in the order they ended, with how. */
  readonly finished: {
    promptId: string;
    clientId: string | null;
    outcome: 'success' | 'error' | 'interrupted';
  }[] = [];
  /** Every POST /interrupt body received (null for the global form). */
  readonly interrupts: (string | null)[] = [];
  stepDelayMs: number;

  private mode: FakeComfyMode = 'normal';
  private failuresLeft: number | undefined;
  private revertTimer: NodeJS.Timeout | undefined;
  private readonly host: string;
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<string, WebSocket>();
  private readonly connections = new Set<Socket>();
  private readonly specs: Record<string, NodeSpec>;
  private readonly history = new Map<string, HistoryEntry>();
  private queue: QueueItem[] = [];
  private running: QueueItem | null = null;
  private counter = 0;
  private interruptFlag = false;
  private closed = false;
  private wakeWorker: (() => void) | null = null;

  constructor(opts: FakeComfyOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    if (!LOOPBACK.test(this.host))
      throw new Error(`fake ComfyUI only binds a loopback address, not ${this.host}`);
    this.stepDelayMs = opts.stepDelayMs ?? 0;
    this.specs = nodeSpecs();
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
  }

  async start(port = 0): Promise<void> {
    await this.listen(port);
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://${this.host}:${this.port}`;
    void this.work();
  }

  /** 'oom': the next sampler steps fail with torch.OutOfMemoryError (failTimes of them); 'refuse': the process is gone. */
  async setMode(mode: FakeComfyMode, opts: { failTimes?: number; forMs?: number } = {}): Promise<void> {
    clearTimeout(this.revertTimer);
    this.mode = mode;
    this.failuresLeft = opts.failTimes;
    if (mode === 'refuse') await this.stopListening();
    else if (!this.server.listening) await this.listen(this.port);
    if (opts.forMs !== undefined) {
      this.revertTimer = setTimeout(() => void this.setMode('normal').catch(() => undefined), opts.forMs);
    }
  }

  /** Another client of the same server: queues a prompt under its own client id (no socket needed). */
  submit(prompt: Workflow, clientId: string | null): string {
    const promptId = randomUUID();
    const validation = validatePrompt(prompt, this.specs, (name) => this.hasInputFile(name));
    if (!validation.ok) throw new Error(`invalid prompt: ${JSON.stringify(validation.nodeErrors)}`);
    this.enqueue({
      number: this.counter++,
      promptId,
      prompt,
      extraData: clientId ? { client_id: clientId } : {},
      outputs: validation.outputs,
    });
    return promptId;
  }

  outcomeOf(promptId: string): 'success' | 'error' | 'interrupted' | undefined {
    return this.finished.find((f) => f.promptId === promptId)?.outcome;
  }

  get runningPromptId(): string | null {
    return this.running?.promptId ?? null;
  }

  get pendingPromptIds(): string[] {
    return this.queue.map((item) => item.promptId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.revertTimer);
    this.wakeWorker?.();
    await this.stopListening();
    this.wss.close();
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    for (const socket of this.sockets.values()) socket.terminate();
    this.sockets.clear();
    for (const connection of this.connections) connection.destroy();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    if (url.pathname !== '/ws' && url.pathname !== '/api/ws') {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const sid = url.searchParams.get('clientId') ?? randomUUID().replaceAll('-', '');
      this.sockets.set(sid, ws);
      // The server forgets a sid when any socket with it closes (server.py:244), even a replaced one.
      ws.on('close', () => this.sockets.delete(sid));
      this.send(sid, 'status', { status: { exec_info: { queue_remaining: this.queueRemaining() } }, sid });
      if (this.running && this.running.extraData['client_id'] === sid) {
        this.send(sid, 'executing', { node: null, display_node: null });
      }
    });
  }

  private send(sid: string | null, type: string, data: Record<string, unknown>): void {
    const frame = JSON.stringify({ type, data });
    if (sid === null) {
      for (const ws of this.sockets.values()) ws.send(frame);
      return;
    }
    this.sockets.get(sid)?.send(frame);
  }

  private queueRemaining(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  private broadcastStatus(): void {
    this.send(null, 'status', { status: { exec_info: { queue_remaining: this.queueRemaining() } } });
  }

  private enqueue(item: QueueItem): void {
    this.queue.push(item);
    this.broadcastStatus();
    this.wakeWorker?.();
  }

  private hasInputFile(name: string): boolean {
    return this.inputFiles.has(name.replace(/ \[input\]$/, ''));
  }

  // ---- HTTP ---------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : url.pathname;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const json = (status: number, payload: unknown) => {
      const body = Buffer.from(JSON.stringify(payload));
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
      });
      res.end(body);
    };
    const empty = (status: number) => {
      res.writeHead(status, { 'content-length': 0 });
      res.end();
    };
    const text = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    const parseJson = (): unknown => JSON.parse(raw.toString('utf8'));
    const isMultipart = (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    let body: unknown = null;
    try {
      body = raw.length && !isMultipart ? parseJson() : null;
    } catch {
      body = raw.toString('utf8');
    }
    this.requests.push({ method: req.method ?? 'GET', path, body: isMultipart ? '(multipart)' : body });
    const route = `${req.method} ${path}`;
    try {
      if (route === 'POST /prompt') return this.postPrompt(raw, json, text);
      if (route === 'GET /prompt')
        return json(200, { exec_info: { queue_remaining: this.queueRemaining() } });
      if (route === 'GET /queue') {
        const tuple = (i: QueueItem) => [i.number, i.promptId, i.prompt, i.extraData, i.outputs];
        return json(200, {
          queue_running: this.running ? [tuple(this.running)] : [],
          queue_pending: this.queue.map(tuple),
        });
      }
      if (route === 'POST /queue') {
        const request = parseJson() as { delete?: string[]; clear?: boolean };
        if (request.clear) this.queue = [];
        for (const id of request.delete ?? []) {
          const at = this.queue.findIndex((item) => item.promptId === id);
          if (at >= 0) this.queue.splice(at, 1);
        }
        this.broadcastStatus();
        return empty(200);
      }
      if (route === 'POST /interrupt') {
        const request = (raw.length ? parseJson() : {}) as { prompt_id?: string };
        this.interrupts.push(request.prompt_id ?? null);
        if (request.prompt_id === undefined || request.prompt_id === this.running?.promptId)
          this.interruptFlag = true;
        return empty(200);
      }
      if (req.method === 'GET' && path.startsWith('/history/')) {
        const id = decodeURIComponent(path.slice('/history/'.length));
        const entry = this.history.get(id);
        return json(200, entry ? { [id]: entry } : {});
      }
      if (route === 'GET /history') return json(200, Object.fromEntries(this.history));
      if (route === 'GET /view') return this.view(url, res, empty);
      if (route === 'POST /upload/image') return await this.upload(req, raw, json, empty);
      if (route === 'GET /object_info') {
        return json(
          200,
          Object.fromEntries(Object.entries(this.specs).map(([n, s]) => [n, this.info(n, s)])),
        );
      }
      if (req.method === 'GET' && path.startsWith('/object_info/')) {
        const name = decodeURIComponent(path.slice('/object_info/'.length));
        const spec = this.specs[name];
        return json(200, spec ? { [name]: this.info(name, spec) } : {});
      }
      if (route === 'GET /models/checkpoints') return json(200, CHECKPOINTS);
      if (route === 'GET /system_stats') {
        return json(200, {
          system: {
            os: 'posix',
            comfyui_version: '0.3.64',
            python_version: '3.12.3',
            pytorch_version: '2.8.0+cu128',
            argv: ['main.py'],
          },
          devices: [
            {
              name: 'cuda:0 Fake GPU : cudaMallocAsync',
              type: 'cuda',
              index: 0,
              vram_total: 25769803776,
              vram_free: 20000000000,
            },
          ],
        });
      }
      if (req.method === 'GET') return text(404, '404: Not Found');
      return text(405, '405: Method Not Allowed');
    } catch {
      text(500, '500 Internal Server Error\n\nServer got itself in trouble');
    }
  }

  private info(name: string, spec: NodeSpec): Record<string, unknown> {
    return objectInfo(name, spec, () => [...this.inputFiles.keys()]);
  }

  private postPrompt(
    raw: Buffer,
    json: (status: number, payload: unknown) => void,
    text: (status: number, body: string) => void,
  ): void {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return text(500, '500 Internal Server Error\n\nServer got itself in trouble');
    }
    // The counter moves on every POST, even a refused one (server.py:683-688).
    const number =
      typeof request['number'] === 'number'
        ? request['number']
        : request['front']
          ? -this.counter
          : this.counter;
    this.counter++;
    const prompt = request['prompt'];
    if (prompt === undefined) {
      return json(400, {
        error: {
          type: 'no_prompt',
          message: 'No prompt provided',
          details: 'No prompt provided',
          extra_info: {},
        },
        node_errors: {},
      });
    }
    if (typeof prompt !== 'object' || prompt === null)
      return text(500, '500 Internal Server Error\n\nServer got itself in trouble');
    const promptId = request['prompt_id'] === undefined ? randomUUID() : String(request['prompt_id']);
    const extraData = { ...(request['extra_data'] as Record<string, unknown> | undefined) };
    if (typeof request['client_id'] === 'string') extraData['client_id'] = request['client_id'];
    const validation = validatePrompt(prompt as Workflow, this.specs, (name) => this.hasInputFile(name));
    if (!validation.ok) return json(400, { error: validation.error, node_errors: validation.nodeErrors });
    this.enqueue({ number, promptId, prompt: prompt as Workflow, extraData, outputs: validation.outputs });
    json(200, { prompt_id: promptId, number, node_errors: validation.nodeErrors });
  }

  private view(url: URL, res: ServerResponse, empty: (status: number) => void): void {
    const filename = url.searchParams.get('filename');
    const subfolder = url.searchParams.get('subfolder') ?? '';
    const type = url.searchParams.get('type') ?? 'output';
    if (!filename) return empty(404);
    if (filename.startsWith('/') || filename.includes('..') || !['output', 'input', 'temp'].includes(type))
      return empty(400);
    if (subfolder.includes('..')) return empty(403);
    const key = subfolder ? `${subfolder}/${filename}` : filename;
    const file = (type === 'input' ? this.inputFiles : this.outputFiles).get(key);
    if (!file) return empty(404);
    res.writeHead(200, {
      'content-type': 'image/png',
      'content-length': file.length,
      'content-disposition': `filename="${filename}"`,
    });
    res.end(file);
  }

  private async upload(
    req: IncomingMessage,
    raw: Buffer,
    json: (status: number, payload: unknown) => void,
    empty: (status: number) => void,
  ): Promise<void> {
    const form = await new Request('http://fake.invalid/upload', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: raw,
    })
      .formData()
      .catch(() => null);
    const image = form?.get('image');
    if (!form || !image || typeof image === 'string') return empty(400);
    const type = String(form.get('type') ?? 'input');
    if (!['input', 'temp', 'output'].includes(type)) throw new Error('unknown type');
    const subfolder = String(form.get('subfolder') ?? '');
    const overwrite = ['true', '1'].includes(String(form.get('overwrite') ?? ''));
    const bytes = Buffer.from(await image.arrayBuffer());
    const store = type === 'input' ? this.inputFiles : this.outputFiles;
    let name = image.name;
    const keyOf = (n: string) => (subfolder ? `${subfolder}/${n}` : n);
    if (!overwrite) {
      // Same name: identical bytes reuse it, different bytes get " (1)", " (2)", … (server.py:316-367).
      const dot = name.lastIndexOf('.');
      const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
      for (let i = 1; store.has(keyOf(name)) && !store.get(keyOf(name))!.equals(bytes); i++)
        name = `${stem} (${i})${ext}`;
    }
    store.set(keyOf(name), bytes);
    json(200, { name, subfolder, type });
  }

  // ---- the worker -----------------------------------------------------------------------------------------

  private async work(): Promise<void> {
    while (!this.closed) {
      if (this.queue.length === 0 || this.mode === 'refuse') {
        await new Promise<void>((resolve) => {
          this.wakeWorker = resolve;
          setTimeout(resolve, 20);
        });
        continue;
      }
      this.queue.sort((a, b) => a.number - b.number);
      const item = this.queue.shift()!;
      this.running = item;
      this.broadcastStatus();
      await this.execute(item);
      this.running = null;
      this.broadcastStatus();
      const clientId = (item.extraData['client_id'] as string | undefined) ?? null;
      this.send(clientId, 'executing', { node: null, display_node: null, prompt_id: item.promptId });
    }
  }

  private async execute(item: QueueItem): Promise<void> {
    const clientId = (item.extraData['client_id'] as string | undefined) ?? null;
    const toClient = (type: string, data: Record<string, unknown>) => {
      if (clientId) this.send(clientId, type, data);
    };
    // The flag belongs to the previous job: a new one starts clean (execution.py:652).
    this.interruptFlag = false;
    const messages: [string, Record<string, unknown>][] = [];
    const note = (type: string, data: Record<string, unknown>) => {
      messages.push([type, data]);
    };
    const start = { prompt_id: item.promptId, timestamp: Date.now() };
    toClient('execution_start', start);
    note('execution_start', start);
    const cached = { nodes: [], prompt_id: item.promptId, timestamp: Date.now() };
    toClient('execution_cached', cached);
    note('execution_cached', cached);
    const outputs: Record<string, { images: ImageRef[] }> = {};
    const executed: string[] = [];
    let outcome: 'success' | 'error' | 'interrupted' = 'success';
    try {
      const sizes = new Map<string, { width: number; height: number }>();
      for (const id of this.order(item)) {
        const node = item.prompt[id]!;
        const type = node.class_type as string;
        if (this.interruptFlag) throw new InterruptedError(id, type);
        toClient('executing', { node: id, display_node: id, prompt_id: item.promptId });
        const inputs = node.inputs ?? {};
        const from = (name: string) => sizes.get(String((inputs[name] as unknown[])[0]));
        if (type === 'EmptyLatentImage')
          sizes.set(id, { width: floor8(Number(inputs['width'])), height: floor8(Number(inputs['height'])) });
        if (type === 'LoadImage') {
          const file = this.inputFiles.get(String(inputs['image']).replace(/ \[input\]$/, ''))!;
          let png: PNG;
          try {
            png = PNG.sync.read(file);
          } catch {
            throw new ExecutionError(
              id,
              type,
              'PIL.UnidentifiedImageError',
              `cannot identify image file '${String(inputs['image'])}'`,
            );
          }
          sizes.set(id, { width: png.width, height: png.height });
        }
        if (type === 'ImageScale') {
          const source = from('image')!;
          const width = Number(inputs['width']) || source.width;
          const height = Number(inputs['height']) || source.height;
          sizes.set(id, { width, height });
        }
        if (type === 'VAEEncode') {
          const source = from('pixels')!;
          sizes.set(id, { width: floor8(source.width), height: floor8(source.height) });
        }
        if (type === 'VAEDecode') sizes.set(id, from('samples')!);
        if (type === 'KSampler') {
          sizes.set(id, from('latent_image')!);
          await this.sample(item, id, Number(inputs['steps']), Number(inputs['denoise'] ?? 1), clientId);
        }
        if (type === 'SaveImage' || type === 'PreviewImage') {
          const size = from('images')!;
          const seed = Number(
            Object.values(item.prompt).find((n) => n.class_type === 'KSampler')?.inputs?.['seed'] ?? 0,
          );
          const image = this.save(type, String(inputs['filename_prefix'] ?? 'ComfyUI'), size, seed);
          outputs[id] = { images: [image] };
          toClient('executed', {
            node: id,
            display_node: id,
            output: { images: [image] },
            prompt_id: item.promptId,
          });
        }
        executed.push(id);
      }
      const success = { prompt_id: item.promptId, timestamp: Date.now() };
      toClient('execution_success', success);
      note('execution_success', success);
    } catch (error) {
      if (error instanceof InterruptedError) {
        outcome = 'interrupted';
        const data = {
          prompt_id: item.promptId,
          node_id: error.nodeId,
          node_type: error.nodeType,
          executed,
          timestamp: Date.now(),
        };
        // Sent to the job's client, or to everyone when it has none.
        this.send(clientId, 'execution_interrupted', data);
        note('execution_interrupted', data);
      } else {
        outcome = 'error';
        const e =
          error instanceof ExecutionError
            ? error
            : new ExecutionError('?', '?', 'RuntimeError', String(error));
        const data = {
          prompt_id: item.promptId,
          node_id: e.nodeId,
          node_type: e.nodeType,
          executed,
          exception_message: e.message,
          exception_type: e.exceptionType,
          traceback: ['  File "execution.py", line 496, in execute\n'],
          current_inputs: {},
          current_outputs: [],
          timestamp: Date.now(),
        };
        toClient('execution_error', data);
        note('execution_error', data);
      }
    }
    this.history.set(item.promptId, {
      prompt: [item.number, item.promptId, item.prompt, item.extraData, item.outputs],
      outputs: outcome === 'success' ? outputs : {},
      status: {
        status_str: outcome === 'success' ? 'success' : 'error',
        completed: outcome === 'success',
        messages,
      },
      meta: {},
    });
    this.finished.push({ promptId: item.promptId, clientId, outcome });
  }

  /** KSampler: `steps` progress messages (denoise < 1 still reports `steps`), the interrupt checked at each. */
  private async sample(
    item: QueueItem,
    nodeId: string,
    steps: number,
    denoise: number,
    clientId: string | null,
  ): Promise<void> {
    if (denoise <= 0) return;
    for (let value = 1; value <= steps; value++) {
      if (this.interruptFlag) throw new InterruptedError(nodeId, 'KSampler');
      if (this.stepDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.stepDelayMs));
      if (this.mode === 'oom' && value === 1 && (this.failuresLeft === undefined || this.failuresLeft > 0)) {
        if (this.failuresLeft !== undefined) this.failuresLeft--;
        throw new ExecutionError(nodeId, 'KSampler', 'torch.OutOfMemoryError', OOM_MESSAGE);
      }
      // Progress goes to the job's client, or to everyone for a job without one (main.py:247-262).
      this.send(clientId, 'progress', { value, max: steps, prompt_id: item.promptId, node: nodeId });
    }
    if (this.interruptFlag) throw new InterruptedError(nodeId, 'KSampler');
  }

  private save(
    type: string,
    prefix: string,
    size: { width: number; height: number },
    seed: number,
  ): ImageRef {
    const slash = prefix.lastIndexOf('/');
    const subfolder = slash >= 0 ? prefix.slice(0, slash) : '';
    const name = slash >= 0 ? prefix.slice(slash + 1) : prefix;
    const folder = type === 'SaveImage' ? 'output' : 'temp';
    // The counter is one more than the highest existing `<name>_NNNNN_` in that folder (folder_paths.py).
    let counter = 1;
    for (const key of this.outputFiles.keys()) {
      const match = new RegExp(`^${escape(subfolder ? `${subfolder}/` : '')}${escape(name)}_(\\d{5})_`).exec(
        key,
      );
      if (match) counter = Math.max(counter, Number(match[1]) + 1);
    }
    const filename = `${name}_${String(counter).padStart(5, '0')}_.png`;
    const png = encodePng({ width: size.width, height: size.height, seed, partial: false, infotext: null });
    this.outputFiles.set(subfolder ? `${subfolder}/${filename}` : filename, png);
    return { filename, subfolder, type: folder };
  }

  /** The nodes the outputs need, each after its inputs. */
  private order(item: QueueItem): string[] {
    const seen = new Set<string>();
    const order: string[] = [];
    const visit = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const value of Object.values(item.prompt[id]?.inputs ?? {})) {
        if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string') visit(value[0]);
      }
      order.push(id);
    };
    for (const output of item.outputs) visit(output);
    return order;
  }
}

const floor8 = (n: number) => Math.floor(n / 8) * 8;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function startFakeComfyUi(opts: FakeComfyOptions = {}): Promise<FakeComfyUi> {
  const fake = new FakeComfyUi(opts);
  await fake.start(opts.port ?? 0);
  return fake;
}

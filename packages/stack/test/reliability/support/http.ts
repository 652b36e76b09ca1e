import { get } from 'node:http';
import { connect } from 'node:net';

/** What a client saw of one request. */
export interface Outcome {
  /**
   * The HTTP status, or how the request failed without one: `refused` (no connection: nobody
   * listens), `reset` (the connection broke before an answer), `timeout` (no answer in time).
   */
  readonly status: number | 'refused' | 'reset' | 'timeout';
  readonly ms: number;
  readonly contentType: string;
  readonly retryAfter: string | null;
  /** The parsed JSON body, when the answer was JSON. */
  readonly body: unknown;
  /** The last segment of a problem's type URI, e.g. `invalid-image`. */
  readonly problem?: string;
  /** For a failure without status: the error code seen (ECONNREFUSED, UND_ERR_SOCKET, ...). */
  readonly error?: string;
}

/** One photo (or any file) as a multipart part. */
export interface Part {
  readonly bytes: Uint8Array;
  readonly type: string;
  readonly filename?: string;
  /** Part name; `image` unless a test wants another one. */
  readonly field?: string;
}

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly [member: string]: unknown;
}

/**
 * The bytes as fetch and Blob take them. Their types want an ArrayBuffer-backed view; ours come
 * from Buffers and sharp, which never use a SharedArrayBuffer, so the narrowing is sound.
 */
function asBlobPart(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

/** A multipart form with one file part per entry, in order. */
export function partsForm(parts: readonly Part[], fields: Readonly<Record<string, string>> = {}): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  parts.forEach((part, index) => {
    form.append(part.field ?? 'image', new Blob([asBlobPart(part.bytes)], { type: part.type }), part.filename ?? `photo-${index}`);
  });
  return form;
}

function failureCode(error: unknown): string {
  let current: unknown = error;
  // fetch wraps the socket error: TypeError('fetch failed') -> cause (SocketError, Error with code).
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return current.name;
    current = current.cause;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Sends one request and never throws: every way it can end is an Outcome. */
export async function send(url: string, init: RequestInit & { timeoutMs: number }): Promise<Outcome> {
  const { timeoutMs, ...rest } = init;
  const started = performance.now();
  try {
    const response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    const contentType = response.headers.get('content-type') ?? '';
    const text = await response.text();
    let body: unknown = text;
    if (/json/.test(contentType)) {
      try {
        body = JSON.parse(text);
      } catch {
        // Left as text: the test that reads it reports the bad JSON.
      }
    }
    const type = typeof (body as { type?: unknown })?.type === 'string' ? (body as { type: string }).type : undefined;
    return {
      status: response.status,
      ms: performance.now() - started,
      contentType,
      retryAfter: response.headers.get('retry-after'),
      body,
      ...(contentType.startsWith('application/problem+json') && type ? { problem: type.slice(type.lastIndexOf('/') + 1) } : {}),
    };
  } catch (error) {
    const code = failureCode(error);
    const status = code === 'ECONNREFUSED' ? 'refused' : code === 'TimeoutError' || code === 'AbortError' ? 'timeout' : 'reset';
    return { status, ms: performance.now() - started, contentType: '', retryAfter: null, body: undefined, error: code };
  }
}

/**
 * GET as a load balancer's health check does it: on a connection of its own, closed after the
 * answer (as kubelet's probes are). A check sharing the clients' pool would take the connection a
 * client was about to reuse and send that client to open a new one. Resolves with the status, or
 * how it failed without one.
 */
export function probe(url: string, timeoutMs: number): Promise<Outcome['status']> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    });
    request.once('timeout', () => {
      request.destroy();
      resolve('timeout');
    });
    request.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'reset'));
  });
}

/** POST multipart photos to a gateway path. */
export function postParts(base: string, path: string, parts: readonly Part[], options: { timeoutMs?: number; fields?: Record<string, string> } = {}): Promise<Outcome> {
  return send(`${base}${path}`, { method: 'POST', body: partsForm(parts, options.fields), timeoutMs: options.timeoutMs ?? 20_000 });
}

/** POST one raw body with the given Content-Type. */
export function postRaw(base: string, path: string, body: Uint8Array | string, contentType: string, timeoutMs = 20_000): Promise<Outcome> {
  return send(`${base}${path}`, { method: 'POST', body: typeof body === 'string' ? body : asBlobPart(body), headers: { 'content-type': contentType }, timeoutMs });
}

/**
 * Writes raw HTTP/1.1 bytes on a fresh connection, then either waits for the answer or, with
 * `hangUp`, closes the connection right after writing (a client that dies mid-upload). Resolves
 * with the status line's code, or undefined when no answer came.
 */
export function rawExchange(base: string, request: Uint8Array, options: { hangUp?: boolean; timeoutMs?: number } = {}): Promise<number | undefined> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, options.timeoutMs ?? 5_000);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('connect', () => {
      socket.write(request, () => {
        if (!options.hangUp) return;
        clearTimeout(timer);
        socket.destroy();
        resolve(undefined);
      });
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // "HTTP/1.1 400 Bad Request\r\n": the code is the second word of the first line.
      const head = /^HTTP\/1\.[01] (\d{3}) /.exec(Buffer.concat(chunks).toString('latin1'));
      if (!head) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(head[1]));
    });
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
}

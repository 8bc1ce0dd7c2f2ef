import azureFunctions, { type HttpResponseInit } from '@azure/functions';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FUNCTION_ROUTES, matchRoute } from './function-routes.js';

// The package is CommonJS; Node's ESM loader only sees some of its exports by name.

/** Largest request body read, bytes (the plan handler applies its own, smaller limit). */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

export interface FunctionsHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the Function app's HTTP routes from Node's http server: each request is adapted to the
 * `HttpRequest` the Functions host would build and given to the same handler.
 */
export async function startFunctionsHttpServer(options: { host: string; port: number; log?: (line: string) => void }): Promise<FunctionsHttpServer> {
  const server = http.createServer((req, res) => {
    void handle(req, res, options.log).catch((error: Error) => {
      options.log?.(`request failed: ${error.message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, log?: (line: string) => void): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  let params: Record<string, string> | undefined;
  const route = FUNCTION_ROUTES.find((r) => (params = matchRoute(r.route, url.pathname)) !== undefined && r.method === method);
  if (!route) {
    const anyMethod = FUNCTION_ROUTES.some((r) => matchRoute(r.route, url.pathname));
    send(res, { status: anyMethod ? 405 : 404, jsonBody: { error: anyMethod ? `method ${method} not allowed` : `no route ${url.pathname}` } });
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    send(res, { status: 413, jsonBody: { error: `request body over ${MAX_REQUEST_BYTES} bytes` } });
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const request = new azureFunctions.HttpRequest({ method, url: url.toString(), headers, query: Object.fromEntries(url.searchParams), params, body: body.length > 0 ? { bytes: body } : undefined });
  const context = new azureFunctions.InvocationContext({ functionName: route.name, logHandler: (level, ...args) => log?.(`[${route.name}] ${level}: ${args.join(' ')}`) });
  send(res, await route.handler(request, context));
}

function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, response: HttpResponseInit): void {
  const headers: Record<string, string> = {};
  if (response.headers) for (const [name, value] of Object.entries(response.headers as Record<string, string>)) headers[name.toLowerCase()] = value;
  let body: string | Buffer = '';
  if (response.jsonBody !== undefined) {
    body = JSON.stringify(response.jsonBody, null, 2);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  } else if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
    body = response.body;
  }
  res.writeHead(response.status ?? 200, headers);
  res.end(body);
}

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI } from './cli.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<string>;
  /** SIGTERM (a clean stop), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<string>;
  kill(): Promise<string>;
}

const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/** Starts the built `mlload serve` as a child process on a free port and waits until it listens. */
export async function startServeProcess(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ServeProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.json)`);
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  alive.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      alive.delete(child);
      resolve(signal ?? `code ${code}`);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mlload serve did not start within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    const check = () => {
      const match = /Function app routes on (http:\/\/[^\s/]+)\/api\/runs/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`mlload serve exited (${how}) before listening:\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}

/** Polls GET statusUrl until the run is final (or the time is up); returns the last body. */
export async function waitForFinal<T extends { status?: string }>(statusUrl: string, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let body = {} as T;
  while (Date.now() < deadline) {
    const response = await fetch(statusUrl);
    if (response.ok) {
      body = (await response.json()) as T;
      if (['passed', 'failed', 'partial', 'error'].includes(body.status ?? '')) return body;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`run at ${statusUrl} not final within ${timeoutMs} ms: ${JSON.stringify(body)}`);
}

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The well-known Azurite account (public, documented; not a secret of ours). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteInstance {
  connectionString: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  /** Kills Azurite and waits for it to exit (idempotent). */
  stop(): Promise<void>;
  /** Stops Azurite and starts it again on the same ports: a storage outage; all data is lost (in memory). */
  restart(): Promise<void>;
}

export interface StartAzuriteOptions {
  /** How long to wait for all three services to accept connections (default 20 s). */
  startTimeoutMs?: number;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const azuriteMain = path.join(repoRoot, 'node_modules/azurite/dist/src/azurite.js');

/** Children still running, killed when this process exits whatever the tests did. */
const running = new Set<ChildProcess>();
const workDirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/**
 * Preloaded into Azurite: it exits once this process is gone, even when this process is killed by a
 * signal and its 'exit' handler never runs.
 */
const WATCHDOG = `const parent = Number(process.env.MLLOAD_AZURITE_PARENT_PID);
setInterval(() => { try { process.kill(parent, 0); } catch { process.exit(0); } }, 1000).unref();`;

export function azuriteConnectionString(blobPort: number, queuePort: number, tablePort: number, host = '127.0.0.1'): string {
  return (
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `BlobEndpoint=http://${host}:${blobPort}/${AZURITE_ACCOUNT};` +
    `QueueEndpoint=http://${host}:${queuePort}/${AZURITE_ACCOUNT};` +
    `TableEndpoint=http://${host}:${tablePort}/${AZURITE_ACCOUNT};`
  );
}

/** Ports nobody listens on right now (all held open together, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts Azurite (blob, queue, table) in memory on free loopback ports, as a child process with its own
 * temporary working directory. Resolves once all three ports accept connections.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteInstance> {
  installExitHook();
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const [blobPort, queuePort, tablePort] = await freePorts(3);
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'mlload-azurite-'));
  workDirs.add(cwd);
  const logFile = path.join(cwd, 'azurite-output.log');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const log = openSync(logFile, 'a');
    const args = [
      '--import',
      `data:text/javascript,${encodeURIComponent(WATCHDOG)}`,
      azuriteMain,
      '--silent',
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--blobHost', '127.0.0.1', '--blobPort', String(blobPort),
      '--queueHost', '127.0.0.1', '--queuePort', String(queuePort),
      '--tableHost', '127.0.0.1', '--tablePort', String(tablePort),
    ];
    // Output goes to a file, not a pipe: nothing of the child keeps this process busy, and on a failed
    // start its text goes into the error.
    const started = spawn(process.execPath, args, {
      cwd,
      stdio: ['ignore', log, log],
      env: { ...process.env, AZURITE_SKIP_API_VERSION_CHECK: 'true', MLLOAD_AZURITE_PARENT_PID: String(process.pid) },
    });
    closeSync(log);
    child = started;
    running.add(started);
    let exitInfo: string | undefined;
    exited = new Promise<void>((resolve) => {
      started.once('exit', (code, signal) => {
        exitInfo = `exited with ${signal ?? `code ${code}`}`;
        running.delete(started);
        resolve();
      });
      started.once('error', (error) => {
        exitInfo = `could not start: ${error.message}`;
        running.delete(started);
        resolve();
      });
    });
    started.unref();

    const deadline = Date.now() + startTimeoutMs;
    const pending = new Set([blobPort, queuePort, tablePort]);
    while (pending.size > 0) {
      if (exitInfo !== undefined) throw new Error(`Azurite ${exitInfo} before listening:\n${output()}`);
      if (Date.now() > deadline) {
        await stopChild();
        throw new Error(`Azurite did not accept connections on port(s) ${[...pending].join(', ')} within ${startTimeoutMs} ms:\n${output()}`);
      }
      for (const port of [...pending]) if (await accepts(port)) pending.delete(port);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 50));
    }
  };

  const output = (): string => {
    try {
      return readFileSync(logFile, 'utf8').slice(-4000) || '(no output)';
    } catch {
      return '(no output)';
    }
  };

  const stopChild = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (current && current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
    // The child is unref'd; a timer keeps this process alive until its exit is seen.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      await exited;
    } finally {
      clearInterval(keepAlive);
    }
  };

  try {
    await launch();
  } catch (error) {
    rmSync(cwd, { recursive: true, force: true });
    workDirs.delete(cwd);
    throw error;
  }

  let stopped = false;
  return {
    connectionString: azuriteConnectionString(blobPort, queuePort, tablePort),
    blobPort,
    queuePort,
    tablePort,
    async stop() {
      stopped = true;
      await stopChild();
      rmSync(cwd, { recursive: true, force: true });
      workDirs.delete(cwd);
    },
    async restart() {
      if (stopped) throw new Error('Azurite was stopped; start a new one');
      await stopChild();
      await launch();
    },
  };
}

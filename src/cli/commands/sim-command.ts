import { describeSimulator, startSimulator, validateSimulatorOptions, type SimulatorOptions } from '../../sim/simulator.js';
import { CliError, EXIT } from '../exit-codes.js';

export interface SimCommandOptions {
  host: string;
  port: string;
  instances: string;
  concurrency: string;
  serviceMs: string;
  medianMs?: string;
  p99Ms?: string;
  timeoutMs: string;
  error424: string;
  error500: string;
  keyEnv?: string;
  deployments: string;
  ttftMs?: string;
  itlMs?: string;
  tokens?: string;
}

/** Simulator options from command-line flags; every problem named at once. */
export function simulatorOptionsFromFlags(flags: SimCommandOptions, env: Record<string, string | undefined> = process.env): SimulatorOptions {
  const problems: string[] = [];
  const num = (flag: string, text: string) => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) problems.push(`--${flag} must be a number, not ${JSON.stringify(text)}`);
    return value;
  };
  const deployments = flags.deployments.split(',').map((part) => {
    const [name, weight = '100'] = part.split(':');
    if (!name) problems.push(`--deployments entries look like name:weight, not ${JSON.stringify(part)}`);
    return { name: name.trim(), weight: num('deployments weight', weight) };
  });
  let key: string | undefined;
  if (flags.keyEnv) {
    key = env[flags.keyEnv];
    if (!key) problems.push(`--key-env names ${flags.keyEnv}, which is not set`);
  }
  const options: SimulatorOptions = {
    host: flags.host,
    port: num('port', flags.port),
    instances: num('instances', flags.instances),
    maxConcurrentRequestsPerInstance: num('concurrency', flags.concurrency),
    serviceTime:
      flags.medianMs !== undefined || flags.p99Ms !== undefined
        ? { medianMs: num('median-ms', flags.medianMs ?? ''), p99Ms: num('p99-ms', flags.p99Ms ?? '') }
        : { fixedMs: num('service-ms', flags.serviceMs) },
    requestTimeoutMs: num('timeout-ms', flags.timeoutMs),
    errorRate424: num('error-424', flags.error424),
    errorRate500: num('error-500', flags.error500),
    key,
    deployments,
    chat: { ttftMs: num('ttft-ms', flags.ttftMs ?? '200'), interTokenMs: num('itl-ms', flags.itlMs ?? '20'), outputTokens: num('tokens', flags.tokens ?? '32') },
  };
  problems.push(...validateSimulatorOptions(options));
  if (problems.length > 0) throw new CliError(`invalid simulator options:\n${problems.map((p) => `  ${p}`).join('\n')}`, EXIT.usage);
  return options;
}

/** `mlload sim`: serves until SIGINT/SIGTERM. */
export async function simCommand(flags: SimCommandOptions): Promise<number> {
  const options = simulatorOptionsFromFlags(flags);
  const sim = await startSimulator(options);
  process.stdout.write(describeSimulator(sim, options) + '\nPress Ctrl+C to stop.\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  return EXIT.passed;
}

import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CliError, EXIT } from '../exit-codes.js';

export interface InitCommandOptions {
  json?: boolean;
  force?: boolean;
}

/** The folder of the installed package (where schema/plan.schema.json lives), found by walking up from this file. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ml-load-runner') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** The `$schema` reference for a plan written at `file`: a relative path to the package's schema, posix separators. */
export function schemaReference(file: string): string {
  const schema = path.join(packageRoot(), 'schema', 'plan.schema.json');
  const relative = path.relative(path.dirname(path.resolve(file)), schema);
  if (path.isAbsolute(relative)) return pathToFileURL(schema).href; // another drive (Windows)
  const posix = relative.split(path.sep).join('/');
  return posix.startsWith('.') ? posix : `./${posix}`;
}

/** A plan name from a file name: what the runner would name it (letters, digits, `.`, `_`, `-`; 64 at most). */
export function planNameFor(file: string): string {
  const base = path
    .basename(file)
    .replace(/\.(json|ya?ml)$/i, '')
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return base || 'my-plan';
}

/** The starter plan as an object (what the JSON form holds and the YAML form parses to). */
export function starterPlan(name: string, schema: string): Record<string, unknown> {
  return {
    $schema: schema,
    name,
    target: {
      url: 'https://my-endpoint.eastus.inference.ml.azure.com/score',
      auth: { type: 'managedIdentity', scope: 'https://ml.azure.com/.default' },
      headers: { 'x-ms-client-request-id': '{{uuid}}' },
      timeoutMs: 30000,
    },
    payload: { body: { input_data: [[1, 2, 3, 4]] } },
    load: { model: 'constant', rps: 10, duration: '1m' },
    workers: 1,
    thresholds: { p95Ms: 500, errorRate: 0.01 },
    tags: { modelVersion: '1', sku: 'Standard_DS3_v2', instances: 1 },
  };
}

/** The starter plan as commented YAML. */
export function starterPlanYaml(name: string, schema: string): string {
  return `# yaml-language-server: $schema=${schema}
# An ml-load-runner plan. Check it with \`mlload validate <file>\`, run it with \`mlload run <file>\`.
# Every field is described in docs/plan-reference.md, and by your editor through the $schema below.
$schema: ${JSON.stringify(schema)}

# Runs of one name form a history (\`mlload runs --name\`, the nightly baseline).
# 1–64 letters, digits, ".", "_" or "-".
name: ${JSON.stringify(name)}

target:
  # The scoring URL. Azure ML: https://<endpoint>.<region>.inference.ml.azure.com/score
  url: https://my-endpoint.eastus.inference.ml.azure.com/score
  # Optional: send azureml-model-deployment: blue, which routes to that deployment even at 0% traffic.
  # deployment: blue
  auth:
    # An Entra token from the managed identity (in Azure) or DefaultAzureCredential (locally, after
    # \`az login\`), fetched before the load starts and refreshed in the background.
    # Alternatives: { type: key, setting: ENDPOINT_KEY } (the key is read from that environment
    # variable / app setting and never stored) or { type: none }.
    type: managedIdentity
    scope: https://ml.azure.com/.default
  # Request headers. {{uuid}} becomes a fresh UUID for every request.
  headers:
    x-ms-client-request-id: "{{uuid}}"
  # Whole-request timeout, from send to last byte (ms); past it a request fails with error \`timeout\`.
  timeoutMs: 30000

payload:
  # The JSON body sent with every request (or \`text:\` for raw text, \`file:\` for a JSONL file of bodies).
  body:
    input_data: [[1, 2, 3, 4]]

load:
  # constant: \`rps\` arrivals per second for \`duration\`, on a fixed schedule whatever the endpoint does
  # (an open model: latency is measured from each request's intended send time).
  # Other models: ramp, step, spike, burst, concurrency, phases.
  model: constant
  rps: 10
  # A number of seconds, or text such as 500ms, 30s, 5m, 1h30m.
  duration: 1m

# Workers sharing the load (each sends an interleaved share, all start together), or "auto".
workers: 1

# What counts as passing. A threshold not met makes the run \`failed\` and \`mlload run\` exit 1.
thresholds:
  p95Ms: 500       # latency p95, ms, from the intended send time
  errorRate: 0.01  # share of requests that were not 2xx (429s and transport errors included)

# Carried into every result (one tag_<name> column each in the runs table): what was tested.
tags:
  modelVersion: "1"
  sku: Standard_DS3_v2
  instances: 1

# Nightly regressions: judge every run against the median of the previous passed runs of this
# plan name; a regressed run makes \`mlload run\` exit 1. Uncomment to use (these are the defaults):
# baseline:
#   runs: 7              # previous passed runs the median is taken over (1–100)
#   p95Pct: 10           # regressed when latency p95 rises more than 10%
#   errorRateAbs: 0.005  # ... or the error rate rises more than 0.5 percentage point
#   throughputPct: 5     # ... or throughput falls more than 5%
`;
}

/** `mlload init [file]`: writes a starter plan; refuses to overwrite (exit 2) unless --force. */
export async function initCommand(file: string | undefined, options: InitCommandOptions): Promise<number> {
  const json = options.json === true || (file !== undefined && /\.json$/i.test(file));
  const target = file ?? (json ? 'plan.json' : 'plan.yaml');
  const schema = schemaReference(target);
  const name = planNameFor(target);
  const text = json ? `${JSON.stringify(starterPlan(name, schema), null, 2)}\n` : starterPlanYaml(name, schema);
  try {
    await writeFile(target, text, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CliError(`${target} already exists; use --force to overwrite it`, EXIT.usage);
    if (code === 'ENOENT') throw new CliError(`cannot write ${target}: its folder does not exist`, EXIT.usage);
    if (code === 'EISDIR') throw new CliError(`cannot write ${target}: it is a directory`, EXIT.usage);
    throw new CliError(`cannot write ${target}: ${(error as Error).message}`, EXIT.usage);
  }
  process.stdout.write(`wrote ${target} — edit target.url, then \`mlload validate ${target}\` and \`mlload run ${target}\`\n`);
  return EXIT.passed;
}

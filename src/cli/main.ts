import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT } from './exit-codes.js';
import { runCommand } from './commands/run-command.js';
import { validateCommand } from './commands/validate-command.js';
import { simCommand } from './commands/sim-command.js';
import { demoCommand } from './commands/demo-command.js';
import { serveCommand } from './commands/serve-command.js';
import { reportCommand } from './commands/report-command.js';

/**
 * `mlload`: the same engine and stores as the Function app, from a terminal.
 * Exit codes: 0 passed, 1 thresholds failed, 2 invalid plan or usage, 3 run error.
 */
export function buildProgram(): Command {
  const program = new Command('mlload')
    .description('Load runner for ML inference endpoints (Azure ML online endpoints first): open-model pacing, latency from intended send time, exact merging.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command('run')
    .description('run a plan (JSON, YAML or the blog post\'s load_config.json) and print its summary')
    .argument('<plan>', 'plan file')
    .option('-w, --workers <n>', 'workers in parallel (a number or "auto"); overrides the plan')
    .option('-o, --out <dir>', 'results folder of the file store', 'results')
    .option('--storage <connection-string>', 'write results to Azure Blob + Table storage instead of files')
    .option('--window <duration>', 'cut each worker\'s share into time windows of at most this (slices, as the Function app does)')
    .option('--json', 'print only the summary JSON on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--no-progress', 'no live progress line')
    .action(async (plan: string, options) => setExit(await runCommand(plan, options)));

  program
    .command('validate')
    .description('check a plan and describe what it would do; every problem is listed with its JSON path')
    .argument('<plan>', 'plan file')
    .option('--json', 'print the result as JSON')
    .action(async (plan: string, options) => setExit(await validateCommand(plan, options)));

  program
    .command('sim')
    .description('start the Azure-ML-like endpoint simulator (POST /score) until interrupted')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <n>', 'port (0 for any free port)', '8080')
    .option('--instances <n>', 'instances', '1')
    .option('--concurrency <n>', 'max_concurrent_requests_per_instance', '1')
    .option('--service-ms <ms>', 'fixed service time, ms', '50')
    .option('--median-ms <ms>', 'lognormal service time: median, ms (with --p99-ms)')
    .option('--p99-ms <ms>', 'lognormal service time: p99, ms (with --median-ms)')
    .option('--timeout-ms <ms>', 'request_timeout_ms: waiting past it answers 408', '5000')
    .option('--error-424 <share>', 'share of requests answered 424 (model error)', '0')
    .option('--error-500 <share>', 'share of requests answered 500', '0')
    .option('--key-env <name>', 'require "Authorization: Bearer <key>" with the key read from this environment variable')
    .option('--deployments <list>', 'deployments and traffic weights, e.g. blue:90,green:10', 'blue:100')
    .action(async (options) => setExit(await simCommand(options)));

  program
    .command('report')
    .description('render the HTML report of a finished run again')
    .argument('<runId>', 'run id')
    .option('--results <dir>', 'results folder of the file store', 'results')
    .option('--storage <connection-string>', 'read the run from Azure storage')
    .option('-o, --out <file>', 'write the report here instead of beside the results')
    .action(async (runId: string, options) => setExit(await reportCommand(runId, options)));

  program
    .command('serve')
    .description('serve the Function app\'s HTTP routes locally, with the same handlers, and run slices in this process')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <n>', 'port', '7071')
    .option('-o, --out <dir>', 'results folder of the file store', 'results')
    .option('--storage <connection-string>', 'use Azure Blob + Table + Queue storage (e.g. Azurite) instead of files')
    .option('--plans <dir>', 'folder of plans for nightly runs (default: the plans container with --storage, else ./plans)')
    .option('-q, --quiet', 'no request log')
    .action(async (options) => setExit(await serveCommand(options)));

  program
    .command('demo')
    .description('the quick-start demo: the simulator in-process, examples/demo.json against it, summary and results')
    .addOption(new Option('-o, --out <dir>', 'results folder').default('results'))
    .option('--json', 'print only the summary JSON on stdout')
    .action(async (options) => setExit(await demoCommand(options)));

  return program;
}

function setExit(code: number): void {
  process.exitCode = code;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit 0; anything else commander rejects is a usage error.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : EXIT.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`mlload: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`mlload: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.MLLOAD_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
    return EXIT.runError;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(main\.js|mlload(\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}

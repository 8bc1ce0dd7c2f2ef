import { Command, CommanderError, Option } from 'commander';
import { CliError, EXIT } from './exit-codes.js';
import { runCommand } from './commands/run-command.js';
import { validateCommand } from './commands/validate-command.js';
import { simCommand } from './commands/sim-command.js';
import { demoCommand } from './commands/demo-command.js';
import { reportCommand } from './commands/report-command.js';
import { compareCommand } from './commands/compare-command.js';
import { runsCommand } from './commands/runs-command.js';
import { initCommand } from './commands/init-command.js';
import { schemaCommand } from './commands/schema-command.js';

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
    .option('--open', 'open the HTML report when the run ends (not in CI)')
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
    .option('--ttft-ms <ms>', 'chat endpoint: time to first token, ms', '200')
    .option('--itl-ms <ms>', 'chat endpoint: time between tokens, ms', '20')
    .option('--tokens <n>', 'chat endpoint: tokens per answer', '32')
    .action(async (options) => setExit(await simCommand(options)));

  program
    .command('report')
    .description('render the HTML report of a finished run again')
    .argument('<runId>', 'run id')
    .option('--results <dir>', 'results folder of the file store', 'results')
    .option('--storage <connection-string>', 'read the run from Azure storage')
    .option('-o, --out <file>', 'write the report here instead of beside the results')
    .option('--compare <otherRunId>', 'add a comparison with another run (the reference) to the report')
    .option('--open', 'open the report once written (not in CI)')
    .option('--refresh-metrics', "fetch the endpoint's Azure Monitor metrics again (they arrive minutes late) and update the summary")
    .action(async (runId: string, options) => setExit(await reportCommand(runId, options)));

  program
    .command('compare')
    .description('compare two finished runs metric by metric: run B against run A, with deltas and better/worse/same verdicts')
    .argument('<runA>', 'reference run id')
    .argument('<runB>', 'run id compared against it')
    .option('--results <dir>', 'results folder of the file store (default: results)')
    .option('--storage <connection-string>', 'read the runs from Azure storage')
    .option('--json', 'print the comparison as JSON')
    .action(async (runA: string, runB: string, options) => setExit(await compareCommand(runA, runB, options)));

  program
    .command('runs')
    .description('list past runs, newest first')
    .option('--results <dir>', 'results folder of the file store (default: results)')
    .option('--storage <connection-string>', 'read the runs from Azure storage')
    .option('--name <name>', 'only runs of this plan name')
    .option('--limit <n>', 'at most this many runs (1–1000)', '20')
    .option('--json', 'print the list as JSON')
    .action(async (options) => setExit(await runsCommand(options)));

  program
    .command('init')
    .description('write a commented starter plan (YAML; JSON with --json) that validates')
    .argument('[file]', 'where to write it (default plan.yaml, or plan.json with --json)')
    .option('--json', 'write JSON (no comments) instead of YAML')
    .option('-f, --force', 'overwrite the file if it exists')
    .action(async (file: string | undefined, options) => setExit(await initCommand(file, options)));

  program
    .command('schema', { hidden: true })
    .description('print the JSON Schema of plans (npm run schema writes schema/plan.schema.json)')
    .option('-o, --out <file>', 'write it to this file instead of stdout')
    .action(async (options) => setExit(await schemaCommand(options)));

  program
    .command('serve')
    .description('serve the Function app\'s HTTP routes locally, with the same handlers, and run slices in this process')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <n>', 'port', '7071')
    .option('-o, --out <dir>', 'results folder of the file store', 'results')
    .option('--storage <connection-string>', 'use Azure Blob + Table + Queue storage (e.g. Azurite) instead of files')
    .option('--plans <dir>', 'folder of plans for nightly runs (default: the plans container with --storage, else ./plans)')
    .option('-q, --quiet', 'no request log')
    .addOption(new Option('--reap-interval <seconds>', 'seconds between reaper passes (tests)').hideHelp())
    .action(async (options) => {
      // Loaded only here: the Function handlers register triggers on import (a no-op, with warnings, outside the host).
      const { serveCommand } = await import('./commands/serve-command.js');
      setExit(await serveCommand(options));
    });

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

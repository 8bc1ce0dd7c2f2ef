import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describeSimulator, startSimulator, type SimulatorOptions } from '../../sim/simulator.js';
import { validatePlan } from '../../core/validate-plan.js';
import { formatProblems } from '../../core/plan-problem.js';
import { CliError, EXIT } from '../exit-codes.js';
import { runValidPlan } from './run-command.js';

/** The simulated endpoint of the demo: 2 instances × 4 concurrent requests, lognormal service time. */
export const DEMO_SIMULATOR: SimulatorOptions = {
  instances: 2,
  maxConcurrentRequestsPerInstance: 4,
  serviceTime: { medianMs: 25, p99Ms: 90 },
  requestTimeoutMs: 5000,
  errorRate424: 0.002,
  deployments: [{ name: 'blue', weight: 100 }],
};

/** `mlload demo` (what `npm start` runs): examples/demo.json against the simulator, in this process. */
export async function demoCommand(options: { out: string; json?: boolean }): Promise<number> {
  const planUrl = new URL('../../../../examples/demo.json', import.meta.url);
  const raw = JSON.parse(await readFile(fileURLToPath(planUrl), 'utf8')) as { target: { url: string } };
  const sim = await startSimulator(DEMO_SIMULATOR);
  try {
    raw.target.url = `${sim.url}/score`;
    const validated = validatePlan(raw);
    if (!validated.ok) throw new CliError(`examples/demo.json is not valid:\n${formatProblems(validated.problems)}`, EXIT.usage);
    if (!options.json) process.stderr.write(`${describeSimulator(sim, DEMO_SIMULATOR)}\n\n`);
    return await runValidPlan(validated.value, { out: options.out, json: options.json });
  } finally {
    await sim.close();
  }
}

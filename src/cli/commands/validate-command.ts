import { pacerForLoad, peakRps } from '../../core/pacers/pacer-for-load.js';
import { formatDurationMs } from '../../core/duration.js';
import { redactUrl } from '../../core/redact.js';
import { loadPlanFile } from '../plan-file.js';
import { EXIT } from '../exit-codes.js';

/** `mlload validate <plan>`: exit 0 and a one-paragraph description, or exit 2 with every problem. */
export async function validateCommand(planFile: string, options: { json?: boolean }): Promise<number> {
  const { plan } = await loadPlanFile(planFile);
  const pacer = pacerForLoad(plan.load);
  const facts = {
    valid: true,
    name: plan.name,
    target: redactUrl(plan.target.url),
    model: plan.load.model,
    durationS: pacer.durationUs / 1e6,
    plannedRequests: pacer.kind === 'open' ? pacer.totalHits : undefined,
    peakRps: peakRps(plan.load),
    workers: plan.workers,
  };
  if (options.json) process.stdout.write(JSON.stringify(facts) + '\n');
  else {
    process.stdout.write(
      `${planFile} is valid: "${plan.name}" → ${facts.target}, ${plan.load.model} load over ${formatDurationMs(pacer.durationUs / 1000)}` +
        (facts.plannedRequests !== undefined ? `, ${facts.plannedRequests} requests, peak ${facts.peakRps} rps` : `, ${plan.load.model === 'concurrency' ? plan.load.vus : 0} virtual users`) +
        `, workers ${plan.workers}.\n`,
    );
  }
  return EXIT.passed;
}

import { app, type InvocationContext, type Timer } from '@azure/functions';
import { formatProblems } from '../core/plan-problem.js';
import { startRun } from '../core/start-run.js';
import { parsePlanText } from '../core/validate-plan.js';
import { APP_SETTINGS } from './app-settings.js';
import { appServices } from './app-services.js';

/** Starts every plan stored in the `plans` container; one bad plan never stops the others. */
export async function nightlyRunsHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = await appServices();
  const plans = await services.plans.listPlans();
  for (const stored of plans) {
    const parsed = parsePlanText(stored.text, stored.name);
    const nameIfMissing = stored.name.replace(/\.(json|ya?ml)$/i, '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
    const result = parsed.ok ? await startRun(parsed.value, { ...services, readPayloadFile: (name) => services.plans.readFile(name) }, nameIfMissing) : parsed;
    if (result.ok) context.log(`nightly: ${stored.name} → run ${result.value.runId}`);
    else context.warn(`nightly: ${stored.name} not started:\n${formatProblems(result.problems)}`);
  }
}

// NCRONTAB in UTC; never runOnStartup (it would fire on every scale-out).
app.timer('nightlyRuns', {
  schedule: process.env.NIGHTLY_SCHEDULE?.trim() || APP_SETTINGS.NIGHTLY_SCHEDULE.default,
  runOnStartup: false,
  handler: nightlyRunsHandler,
});

import { app, type InvocationContext, type Timer } from '@azure/functions';
import { reapRuns } from '../core/reap-runs.js';
import { appServices } from './app-services.js';

/** Every minute: runs past their deadline with slices missing are finalized `partial`. */
export async function reaperHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = await appServices();
  const reaped = await reapRuns(services.store, Date.now(), services.finalize, (runId, error) => context.error(`reaper: run ${runId} not finalized: ${error.message}`));
  for (const run of reaped) context.log(`run ${run.record.runId} finalized ${run.summary.status}: ${run.summary.reasons.join('; ')}`);
}

app.timer('reaper', { schedule: '0 */1 * * * *', runOnStartup: false, handler: reaperHandler });

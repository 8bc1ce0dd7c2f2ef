import type { RandomSource } from './seeded-random.js';

export interface RoutableDeployment {
  name: string;
  weight: number;
}

export type Route<D> = { deployment: D } | { status: 404; message: string };

/**
 * Azure ML's routing: the azureml-model-deployment header picks a deployment by name, whatever its
 * weight; without it, traffic is split by weight among deployments with weight > 0.
 */
export function routeRequest<D extends RoutableDeployment>(
  deployments: readonly D[],
  headerValue: string | undefined,
  random: RandomSource,
): Route<D> {
  if (headerValue !== undefined && headerValue !== '') {
    const named = deployments.find((d) => d.name === headerValue);
    return named ? { deployment: named } : { status: 404, message: `No deployment named ${headerValue}` };
  }
  let total = 0;
  for (const d of deployments) if (d.weight > 0) total += d.weight;
  if (total === 0) return { status: 404, message: 'No valid deployments to route to' };
  let pick = random() * total;
  let last: D | undefined;
  for (const d of deployments) {
    if (d.weight <= 0) continue;
    last = d;
    pick -= d.weight;
    if (pick < 0) return { deployment: d };
  }
  // Rounding can leave pick at a hair above 0: the last weighted deployment takes it.
  return { deployment: last as D };
}

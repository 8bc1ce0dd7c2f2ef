import { jsonPath, type PlanProblem } from './plan-problem.js';

/**
 * Plans and payload lines come from outside; JSON.parse (and the YAML parser, through aliases) can hand
 * us values that nest deeper than JSON.stringify and structuredClone can recurse (RangeError), or that
 * contain themselves (a YAML anchor inside its own node: TypeError in JSON.stringify). Either used to
 * surface as a 500 from POST /api/runs. Values are checked here first, without recursion.
 */
export const MAX_JSON_DEPTH = 64;
/** Nodes walked at most (a 1 MiB plan has far fewer; YAML aliases can multiply them). */
const MAX_NODES = 1_000_000;

interface Frame {
  value: unknown;
  depth: number;
  key: string | number;
  parent: Frame | undefined;
}

function pathOf(frame: Frame): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.parent !== undefined; f = f.parent) keys.unshift(f.key);
  return keys;
}

/** A problem when `value` nests deeper than `maxDepth` objects/arrays (a cycle nests without end), else undefined. */
export function nestingProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, where: (string | number)[] = []): PlanProblem | undefined {
  const stack: Frame[] = [{ value, depth: 0, key: '', parent: undefined }];
  let nodes = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (v === null || typeof v !== 'object') continue;
    if (++nodes > MAX_NODES) return { path: jsonPath(where), message: `has more than ${MAX_NODES} values` };
    const depth = frame.depth + 1;
    if (depth > maxDepth) {
      // Name where the nesting starts (its first two levels), not the 65th level.
      return { path: jsonPath([...where, ...pathOf(frame).slice(0, 2)]), message: `nests deeper than ${maxDepth} levels (or contains itself)` };
    }
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth, key: i, parent: frame });
    else for (const key of Object.keys(v)) stack.push({ value: (v as Record<string, unknown>)[key], depth, key, parent: frame });
  }
  return undefined;
}

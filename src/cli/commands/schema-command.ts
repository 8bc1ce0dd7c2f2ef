import { writeFile } from 'node:fs/promises';
import { EXIT } from '../exit-codes.js';
import { planJsonSchemaText } from '../plan-json-schema.js';

/** `mlload schema [--out file]` (hidden): the plan's JSON Schema, generated from the zod schema. */
export async function schemaCommand(options: { out?: string }): Promise<number> {
  const text = planJsonSchemaText();
  if (options.out) await writeFile(options.out, text);
  else process.stdout.write(text);
  return EXIT.passed;
}

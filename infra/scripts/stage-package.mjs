#!/usr/bin/env node
// Stages the Function app's deployment package in dist/azure:
//   host.json, package.json, package-lock.json (and .npmrc if there is one),
//   dist/src/** (the compiled app, without source maps),
//   node_modules with production dependencies only (npm ci --omit=dev --ignore-scripts).
// azd runs it as the `prepackage` hook of service `api` (azure.yaml: dist: dist/azure) and zips the
// folder; for Core Tools, run it yourself and publish from dist/azure (docs/deploy.md).
// It needs `npm run build` to have produced dist/src first (azd's build step does that).
// Plain Node, no dependencies: it runs wherever azd or npm does (Linux, macOS, Windows).

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Files copied from the project root as they are; the first three must exist. */
export const ROOT_FILES = ['host.json', 'package.json', 'package-lock.json'];
const OPTIONAL_ROOT_FILES = ['.npmrc'];

/**
 * @param {{ root: string, out?: string, install?: boolean, log?: (line: string) => void }} options
 * @returns {{ out: string, files: number, bytes: number }}
 */
export function stagePackage({ root, out = join(root, 'dist', 'azure'), install = true, log = (line) => console.log(line) }) {
  const compiled = join(root, 'dist', 'src');
  if (!existsSync(join(compiled, 'index.js'))) {
    throw new Error(`${relative(process.cwd(), join(compiled, 'index.js')) || 'dist/src/index.js'} is missing: run \`npm run build\` first`);
  }
  for (const file of ROOT_FILES) {
    if (!existsSync(join(root, file))) throw new Error(`${file} is missing in ${root}`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const file of [...ROOT_FILES, ...OPTIONAL_ROOT_FILES]) {
    if (existsSync(join(root, file))) copyFileSync(join(root, file), join(out, file));
  }
  cpSync(compiled, join(out, 'dist', 'src'), { recursive: true, filter: (source) => !source.endsWith('.map') });
  if (install) {
    log(`installing production dependencies in ${relative(process.cwd(), out) || out}`);
    const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: out,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (npm.error) throw npm.error;
    if (npm.status !== 0) throw new Error(`npm ci --omit=dev failed with exit code ${npm.status}`);
  }
  const { files, bytes } = measure(out);
  log(`staged ${files} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB, in ${relative(process.cwd(), out) || out}`);
  return { out, files, bytes };
}

function measure(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = measure(path);
      files += inner.files;
      bytes += inner.bytes;
    } else {
      files += 1;
      bytes += statSync(path).size;
    }
  }
  return { files, bytes };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  try {
    stagePackage({ root });
  } catch (error) {
    console.error(`stage-package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

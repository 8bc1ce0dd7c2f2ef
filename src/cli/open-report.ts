import { spawn } from 'node:child_process';

export type OpenResult = 'opened' | 'skipped-ci' | 'failed';

/** True when the environment says it is CI (any non-empty CI other than "false" / "0"). */
export function isCi(env: Record<string, string | undefined> = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** The platform's opener for a file or URL: `open` (macOS), `start` via cmd (Windows), `xdg-open` (elsewhere). */
export function openerFor(target: string, platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [target] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', target] };
  return { command: 'xdg-open', args: [target] };
}

/**
 * Opens a report (a local file) with the platform's opener, detached, ignoring every error (no opener,
 * no display). Never in CI: returns `skipped-ci` without spawning anything.
 */
export function openReport(file: string, env: Record<string, string | undefined> = process.env): OpenResult {
  if (isCi(env)) return 'skipped-ci';
  const { command, args } = openerFor(file);
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', windowsHide: true });
    child.on('error', () => {});
    child.unref();
    return 'opened';
  } catch {
    return 'failed';
  }
}

/** `--open` for a report: opens it, or says on stderr why not (unless quiet). */
export function openReportOption(file: string | undefined, options: { quiet?: boolean }): void {
  const say = (text: string) => {
    if (!options.quiet) process.stderr.write(`${text}\n`);
  };
  if (file === undefined) return say('--open: the report is in Azure Storage, not a local file; open it from there');
  const result = openReport(file);
  if (result === 'skipped-ci') say('--open: not opening the report in CI (CI is set)');
}

/**
 * `var-studio <command> [args]` (out/main/cli.js). Commands come from ./registry.ts.
 * Ctrl-C aborts `io.signal` so long commands stop cleanly; a second Ctrl-C exits at once.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isStudioError } from '../../shared/errors';
import { commands, findCommand } from './registry';
import type { CliIO } from './types';
import { reportStudioError, reportUnexpected } from './errors';

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: var-studio <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `var-studio <command> --help` for the options of one command.',
  ].join('\n');
}

/** Runs one command line; returns the exit code. Never calls process.exit (tests use it). */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
    io.out(topic ? `${topic.summary}\n\n${topic.usage}` : helpText());
    return 0;
  }
  const command = findCommand(name);
  if (!command) {
    io.err(`Unknown command "${name}".`);
    io.err(helpText());
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${command.summary}\n\n${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (isStudioError(e)) return reportStudioError(e, io);
    return reportUnexpected(e, io);
  }
}

/** Process wiring: stdout/stderr, Ctrl-C handling, exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\nForced exit.\n');
      process.exit(130);
    }
    process.stderr.write('\nStopping… (press Ctrl-C again to force)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const io: CliIO = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    isTTY: !!process.stdout.isTTY,
    signal: controller.signal,
  };
  const code = await runCli(argv, io);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigint);
  process.exitCode = code;
}

function isEntry(): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// `node out/main/cli.js ...` runs directly; bin/var-studio.mjs imports and calls main().
if (isEntry()) void main();

/**
 * `var-studio bench [suite...] [options]`: the benchmark cases of bench/ (the compute
 * engineer's harness, also behind `npm run bench`), run as a child process so every case keeps
 * its own process and peak RSS. The CLI only locates the harness; it never re-implements a case.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StudioError } from '../../../shared/errors';
import type { CliCommand } from '../types';

/** The repository root above this module (sources or out/main), where bench/index.ts lives. */
export function findBenchEntry(from = fileURLToPath(import.meta.url)): { root: string; entry: string } | undefined {
  let dir = path.dirname(from);
  for (let i = 0; i < 8; i++) {
    const entry = path.join(dir, 'bench', 'index.ts');
    if (existsSync(entry) && existsSync(path.join(dir, 'package.json'))) return { root: dir, entry };
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'Run the compute benchmarks (training step and inference timings, one JSON line per case)',
  usage: [
    'Usage: var-studio bench [train] [infer] [--workers 0,1,2] [--steps N] [--warmup N] [--batch N] [--size N] [--preset NAME] [--backend NAME]',
    '',
    '  Same cases as `npm run bench` (bench/index.ts). Each case runs in a fresh process; results go to',
    '  stdout as JSON lines, logs to stderr. Needs the repository checkout (bench/ and the tsx dev dependency).',
  ].join('\n'),
  async run(argv, io) {
    const found = findBenchEntry();
    if (!found) {
      throw new StudioError({
        code: 'not-found',
        what: 'The benchmark harness (bench/index.ts) is not next to this installation',
        hint: 'Run the bench from a repository checkout: npm run bench',
      });
    }
    const child = spawn(process.execPath, ['--import', 'tsx', found.entry, ...argv], {
      cwd: found.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onAbort = () => child.kill('SIGINT');
    io.signal.addEventListener('abort', onAbort, { once: true });
    const lines = (sink: (l: string) => void) => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString();
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const p of parts) sink(p);
      };
    };
    child.stdout.on('data', lines(io.out));
    child.stderr.on('data', lines(io.err));
    try {
      const code = await new Promise<number>((resolve, reject) => {
        child.on('error', (e) =>
          reject(
            new StudioError({
              code: 'internal',
              what: `The benchmark could not start: ${e.message}`,
              hint: 'Check that the dev dependencies are installed (npm ci)',
            }),
          ),
        );
        child.on('exit', (c, sig) => resolve(c ?? (sig ? 130 : 1)));
      });
      return io.signal.aborted ? 130 : code;
    } finally {
      io.signal.removeEventListener('abort', onAbort);
    }
  },
};

/** A CLI command's IO for tests: every line it writes, kept, and read back as text. */
import type { CliIO } from '../../../src/main/cli/types';

export function captureIo(signal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false, signal };
  return { io, out, err, text: () => out.join('\n'), errors: () => err.join('\n') };
}

/**
 * Terminal progress: a redrawn bar with ETA when stdout is a terminal, otherwise plain lines
 * (at most one every few seconds per task, plus every message), so logs and CI stay readable.
 */
import { formatEta } from '../../shared/format/time';
import type { CliIO } from './types';

export interface ProgressOptions {
  /** Where the bar is drawn in a terminal (default: stderr, so stdout stays for results). */
  write?: (s: string) => void;
  width?: number;
  /** Minimum seconds between plain lines for the same task. */
  plainInterval?: number;
  now?: () => number;
}

export function renderBar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.floor(f * width);
  const part = f * width - full > 0.5 && full < width ? '>' : '';
  return `[${'='.repeat(full)}${part}${' '.repeat(Math.max(0, width - full - part.length))}]`;
}

export class Progress {
  private readonly write: (s: string) => void;
  private readonly width: number;
  private readonly plainInterval: number;
  private readonly now: () => number;
  private lastPlain = new Map<string, number>();
  private drawn = false;

  constructor(
    private readonly io: CliIO,
    opts: ProgressOptions = {},
  ) {
    this.write = opts.write ?? ((s) => process.stderr.write(s));
    this.width = opts.width ?? 28;
    this.plainInterval = opts.plainInterval ?? 5;
    this.now = opts.now ?? (() => performance.now() / 1000);
  }

  /** Update the bar of `task` (one line; the latest task owns the line). */
  update(task: string, fraction: number, etaSeconds: number | null, detail = ''): void {
    const pct = `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`.padStart(4);
    const etaText = etaSeconds === null ? '' : formatEta(etaSeconds);
    const eta = etaText ? ` ${etaText}` : '';
    if (this.io.isTTY) {
      const cols = process.stderr.columns ?? 100;
      const line = `${task} ${renderBar(fraction, this.width)} ${pct}${eta} ${detail}`.slice(0, Math.max(20, cols - 1));
      this.write(`\r\x1b[2K${line}`);
      this.drawn = true;
      return;
    }
    const t = this.now();
    const last = this.lastPlain.get(task);
    if (last !== undefined && t - last < this.plainInterval && fraction < 1) return;
    this.lastPlain.set(task, t);
    this.io.err(`${task} ${pct}${eta}${detail ? ` ${detail}` : ''}`);
  }

  /** A line that stays, on stdout (the bar, if any, is redrawn below it on the next update). */
  log(line: string): void {
    this.clear();
    this.io.out(line);
  }

  clear(): void {
    if (this.drawn) {
      this.write('\r\x1b[2K');
      this.drawn = false;
    }
  }
}

/**
 * `<runDir>/steps.jsonl`: the step losses a run reported while training (the same rate-limited
 * points the live chart got), one JSON line each, appended as they come. A page reload or a
 * restart rebuilds the live loss chart from it. Append-only: a line cut by a crash is skipped on
 * reading, and a resume that redoes steps after the checkpoint supersedes the lines it repeats.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { TrainProgress } from '../../shared/run/events';

export const STEP_LOG = 'steps.jsonl';

export interface StepPoint {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
}

/** Appends in the order of the calls (one chain per file), never two writes at once. */
export function createStepLogWriter(runDir: string): (p: TrainProgress) => Promise<void> {
  let chain: Promise<void> = Promise.resolve();
  const file = path.join(runDir, STEP_LOG);
  return (p) => {
    const line = `${JSON.stringify({ step: p.step, totalSteps: p.totalSteps, epoch: p.epoch, loss: p.loss })}\n`;
    chain = chain.then(() => fsp.appendFile(file, line)).catch(() => undefined);
    return chain;
  };
}

function isPoint(v: unknown): v is StepPoint {
  const p = v as StepPoint;
  return !!p && [p.step, p.totalSteps, p.epoch, p.loss].every((x) => typeof x === 'number' && Number.isFinite(x));
}

/** The history as the run stands: a step that comes again (resume) drops what followed its first time. */
export async function readStepLog(runDir: string): Promise<StepPoint[]> {
  let text: string;
  try {
    text = await fsp.readFile(path.join(runDir, STEP_LOG), 'utf8');
  } catch {
    return [];
  }
  const out: StepPoint[] = [];
  for (const line of text.split('\n')) {
    let p: unknown;
    try {
      p = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isPoint(p)) continue;
    while (out.length && out[out.length - 1].step >= p.step) out.pop();
    out.push(p);
  }
  return out;
}

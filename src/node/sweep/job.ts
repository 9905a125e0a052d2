/**
 * The sweep job: for each run, load the trained weights once, then for every level prune a
 * COPY (pruneWeights never writes its input) or rebuild a channel-pruned network from them
 * (the config's family, ./levels.ts), optionally re-estimate BatchNorm, score every
 * slice of the split, measure the level's exported file (config `measure`, ./measure.ts) and
 * store the level. The record is rewritten atomically after each
 * level, so a crash keeps the finished levels.
 */
import * as tf from '@tensorflow/tfjs';
import type { Sample } from '../../shared/data/types';
import { isStudioError, StudioError, type StudioErrorInfo } from '../../shared/errors';
import { binarize, encodeMask, scoreSegmentation, type ScoreItem } from '../../shared/metrics';
import { readWeights, reestimateBatchNorm } from '../../shared/prune';
import { etaSeconds, type IProgress } from '../../shared/progress';
import type { SweepConfig } from '../../shared/sweep/config';
import { bytesToBase64 } from '../../shared/base64';
import { quantizeChannel } from '../../shared/sweep/image';
import type { PruneLevel, SweepRecord } from '../../shared/sweep/result';
import { backendLabel } from '../../shared/backend';
import { initBackend } from '../compute/backend';
import { RunStore } from '../runs/store';
import { loadRunSamples } from '../train/data';
import { loadRunModel } from '../train/runModel';
import { onnxScorer, tfjsScorer, type Scorer } from './scorer';
import { SWEEP_LOCK_HINT, sweepsDir, writeSweepImages, writeSweepRecord } from './files';
import { prepareLevel } from './levels';
import { createLevelMeter, type LevelMeter } from './measure';
import { acquireLock, type Lock } from '../fs/lock';
import type { SweepOutcome, SweepProgress, SweepRunOutcome, SweepWorkerData } from './protocol';
import { sampleChannel } from '../../shared/data/channels';
import { percent } from '../../shared/format/percent';

/** The worker's data plus what only an in-process caller can pass. */
export interface SweepJobOptions extends SweepWorkerData {
  signal?: AbortSignal;
  progress?: IProgress<SweepProgress>;
}

const cancelled = () =>
  new StudioError({
    code: 'cancelled',
    what: 'The sweep was cancelled',
    hint: 'Finished levels are kept; start a new sweep to score the rest',
  });

const toInfo = (e: unknown): StudioErrorInfo =>
  isStudioError(e)
    ? e.toJSON()
    : {
        code: 'internal',
        what: `The sweep failed: ${e instanceof Error ? e.message : String(e)}`,
        hint: 'Check the run and the sweep settings, then try again',
      };

export async function runSweep(opts: SweepJobOptions): Promise<SweepOutcome> {
  // One sweep per run at a time (another studio, the CLI): refused before anything is written.
  const locks: Lock[] = [];
  try {
    for (const runId of opts.runIds)
      locks.push(acquireLock(sweepsDir(opts.runsRoot, runId), `sweep ${opts.sweepId} of run ${runId}`, SWEEP_LOCK_HINT));
    return await sweepLocked(opts);
  } finally {
    for (const l of locks) l.release();
  }
}

async function sweepLocked(opts: SweepJobOptions): Promise<SweepOutcome> {
  const { config, runIds } = opts;
  const backend = await initBackend(opts.backend, { log: () => {} });
  const totalSteps = runIds.length * config.levels.length;
  const t0 = performance.now();
  let lastEmit = 0;
  const progress = (runIndex: number, levelIndex: number, within: number, force = false) => {
    const now = performance.now();
    if (!force && now - lastEmit < 100) return;
    lastEmit = now;
    const step = runIndex * config.levels.length + levelIndex;
    const fraction = Math.min(1, (step + within) / totalSteps);
    const elapsed = (now - t0) / 1000;
    opts.progress?.report({
      sweepId: opts.sweepId,
      runId: runIds[runIndex],
      runIndex,
      levelIndex,
      sparsity: config.levels[Math.min(levelIndex, config.levels.length - 1)],
      step,
      totalSteps,
      fraction,
      etaSeconds: etaSeconds(elapsed, fraction, 1 - fraction) ?? 0,
      message: `Run ${runIndex + 1}/${runIds.length}, level ${percent(config.levels[Math.min(levelIndex, config.levels.length - 1)], { trim: true })}`,
    });
  };

  const runs: SweepRunOutcome[] = [];
  for (let ri = 0; ri < runIds.length; ri++) {
    if (opts.signal?.aborted) {
      runs.push({ runId: runIds[ri], status: 'cancelled', error: cancelled().toJSON() });
      continue;
    }
    runs.push(await sweepRun(opts, ri, backendLabel(backend), (li, within, force) => progress(ri, li, within, force)));
  }
  progress(runIds.length - 1, config.levels.length, 0, true);
  const status = runs.every((r) => r.status === 'completed')
    ? 'completed'
    : runs.some((r) => r.status === 'cancelled')
      ? 'cancelled'
      : 'failed';
  const firstError = runs.find((r) => r.error)?.error;
  return { sweepId: opts.sweepId, status, runs, ...(status !== 'completed' && firstError ? { error: firstError } : {}) };
}

async function sweepRun(
  opts: SweepJobOptions,
  runIndex: number,
  backend: string,
  progress: (level: number, within: number, force?: boolean) => void,
): Promise<SweepRunOutcome> {
  const { config, runsRoot, sweepId } = opts;
  const runId = opts.runIds[runIndex];
  const store = new RunStore(runsRoot);
  const started = performance.now();
  const now = new Date().toISOString();
  let record: SweepRecord | undefined;
  let model: tf.LayersModel | undefined;
  let meter: LevelMeter | undefined;
  try {
    const loaded = await loadRunModel(store.paths(runId).dir);
    model = loaded.model;
    const run = loaded.record;
    if (run.status !== 'completed' || loaded.weights !== 'final') {
      throw new StudioError({
        code: 'bad-input',
        file: store.paths(runId).dir,
        what: `Run ${runId} has no final model (status ${run.status})`,
        hint: 'Sweep a completed run, or resume this one to the end first',
      });
    }
    const samples = await loadRunSamples(run.config);
    let scored = samples[config.split];
    if (config.maxSlices > 0) scored = scored.slice(0, config.maxSlices);
    if (scored.length === 0) {
      throw new StudioError({
        code: 'bad-input',
        what: `Run ${runId} has no ${config.split} slices to score`,
        hint: `Choose the other split, or train with a larger ${config.split} fraction`,
      });
    }
    const size = run.config.model.inputSize;
    const channels = run.config.model.inChannels;
    const mm = scored.every((s) => s.spacing);
    record = {
      version: 4,
      sweepId,
      runId,
      runIds: opts.runIds,
      config,
      status: 'running',
      createdAt: now,
      updatedAt: now,
      backend,
      inputShape: [size, size, channels],
      unit: mm ? 'mm' : 'px',
      slices: scored.map((s) => ({ caseId: s.caseId, index: s.index, truth: encodeMask(s.mask) })),
      levels: [],
      seconds: 0,
    };
    await writeSweepRecord(runsRoot, record);
    await writeSweepImages(runsRoot, runId, sweepId, displayImages(scored, size, channels));

    const original = await readWeights(model);
    // Before any level changes the model: the dense file every level's latency is timed against.
    meter = await createLevelMeter(model, config, runId);
    const inputs = packImages(scored, size, channels);
    const calibration = config.bnReestimate
      ? pickCalibration(samples.train, config.bnReestimate.batches * config.bnReestimate.batchSize)
      : [];

    for (let li = 0; li < config.levels.length; li++) {
      const t = performance.now();
      const sparsity = config.levels[li];
      progress(li, 0, true);
      const level = prepareLevel(model, original, config, sparsity);
      let bn: PruneLevel['bn'];
      let scorer: Scorer | undefined;
      let items: ScoreItem[];
      let measured: PruneLevel['measured'];
      try {
        // Level 0 stays the trained model as is: it is the reference the drops are measured from.
        if (config.bnReestimate && sparsity > 0) {
          bn = await reestimateBatchNorm(level.model, calibrationBatches(calibration, config.bnReestimate.batchSize, size, channels), {
            signal: opts.signal,
          });
        }
        scorer = config.scorer === 'onnx' ? await onnxScorer(level.model, opts.onnxThreads ?? 1) : tfjsScorer(level.model);
        items = await predictSlices(scorer, scored, inputs, config, size, channels, mm, opts.signal, (f) => progress(li, f));
        measured = await meter?.measure(level.model, sparsity);
      } finally {
        await scorer?.dispose();
        level.dispose();
      }
      const scoring = scoreSegmentation(items, [size, size]);
      record.levels.push({
        sparsity,
        ...level.fields,
        summary: scoring.summary,
        perSlice: scoring.perSlice.map((row, i) => ({ ...row, pred: encodeMask(items[i].pred) })),
        perCase: scoring.perCase,
        ...(bn ? { bn } : {}),
        ...(scorer.onnxBytes ? { onnxBytes: scorer.onnxBytes } : {}),
        ...(measured ? { measured } : {}),
        seconds: (performance.now() - t) / 1000,
      });
      record.seconds = (performance.now() - started) / 1000;
      await writeSweepRecord(runsRoot, record);
      progress(li + 1, 0, true);
    }
    record.status = 'completed';
    record.finishedAt = new Date().toISOString();
    record.seconds = (performance.now() - started) / 1000;
    await writeSweepRecord(runsRoot, record);
    return { runId, status: 'completed' };
  } catch (e) {
    const info = toInfo(e);
    const status = info.code === 'cancelled' ? 'cancelled' : 'failed';
    if (record) {
      record.status = status;
      record.error = info;
      record.finishedAt = new Date().toISOString();
      record.seconds = (performance.now() - started) / 1000;
      await writeSweepRecord(runsRoot, record).catch(() => undefined);
    }
    return { runId, status, error: info };
  } finally {
    await meter?.dispose().catch(() => undefined);
    model?.dispose();
  }
}

/** Hard masks of every slice, in order, ready for the scoring module. */
async function predictSlices(
  scorer: Scorer,
  slices: Sample[],
  inputs: Float32Array,
  config: SweepConfig,
  size: number,
  channels: number,
  mm: boolean,
  signal: AbortSignal | undefined,
  onFraction: (f: number) => void,
): Promise<ScoreItem[]> {
  const px = size * size;
  const out: ScoreItem[] = [];
  const predict = (start: number) => {
    const n = Math.min(config.batchSize, slices.length - start);
    return scorer.predict(inputs.subarray(start * px * channels, (start + n) * px * channels), [n, size, size, channels]);
  };
  // onnxruntime runs on its own threads: start the next batch before thresholding this one.
  let pending: Promise<Float32Array> | undefined = predict(0);
  try {
    for (let start = 0; start < slices.length; start += config.batchSize) {
      const probs = await pending!;
      pending = undefined;
      if (signal?.aborted) throw cancelled();
      const n = Math.min(config.batchSize, slices.length - start);
      if (start + n < slices.length) pending = predict(start + n);
      for (let i = 0; i < n; i++) {
        const s = slices[start + i];
        const pred = binarize(probs.subarray(i * px, (i + 1) * px), config.threshold);
        out.push({ caseId: s.caseId, index: s.index, pred, truth: s.mask, ...(mm && s.spacing ? { spacing: s.spacing } : {}) });
      }
      onFraction((start + n) / slices.length);
    }
  } finally {
    // Never release a session with a run still in flight.
    await pending?.catch(() => undefined);
  }
  return out;
}

function packImages(slices: Sample[], size: number, channels: number): Float32Array {
  const per = size * size * channels;
  const out = new Float32Array(slices.length * per);
  slices.forEach((s, i) => out.set(s.image, i * per));
  return out;
}

/** Evenly spaced training slices: deterministic, and spread over patients rather than the first few. */
function pickCalibration(train: Sample[], count: number): Sample[] {
  if (train.length <= count) return train;
  return Array.from({ length: count }, (_, i) => train[Math.floor((i * train.length) / count)]);
}

function* calibrationBatches(samples: Sample[], batchSize: number, size: number, channels: number): Generator<tf.Tensor> {
  for (let i = 0; i < samples.length; i += batchSize) {
    const part = samples.slice(i, i + batchSize);
    const t = tf.tensor4d(packImages(part, size, channels), [part.length, size, size, channels]);
    try {
      yield t;
    } finally {
      t.dispose();
    }
  }
}

/** The channel a reader looks at (sampleChannel: FLAIR for 3-channel LGG-like data), 8-bit over each case's range. */
function displayImages(slices: Sample[], size: number, channels: number) {
  const channel = sampleChannel(channels);
  const range = new Map<string, [number, number]>();
  for (const s of slices) {
    const r = range.get(s.caseId) ?? [Infinity, -Infinity];
    for (let i = channel; i < s.image.length; i += channels) {
      if (s.image[i] < r[0]) r[0] = s.image[i];
      if (s.image[i] > r[1]) r[1] = s.image[i];
    }
    range.set(s.caseId, r);
  }
  return {
    version: 1 as const,
    size,
    channel,
    slices: slices.map((s) => {
      const [lo, hi] = range.get(s.caseId)!;
      return { caseId: s.caseId, index: s.index, image: bytesToBase64(quantizeChannel(s.image, channels, channel, lo, hi)) };
    }),
  };
}

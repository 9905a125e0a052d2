import type * as tf from '@tensorflow/tfjs';
import type { Sample, Split } from '../../shared/data/types';
import { isStudioError, StudioError } from '../../shared/errors';
import { buildModel } from '../../shared/model/build';
import type { IProgress } from '../../shared/progress';
import { createRng, deriveSeed } from '../../shared/rng';
import { checkTraining } from '../../shared/run/trainingCheck';
import { DEFAULT_DATA_SEED, parseRunConfig, type RunConfig, type RunConfigInput } from '../../shared/run/config';
import type { TrainEpochEvent, TrainProgress } from '../../shared/run/events';
import type { EpochRecord, RunRecord } from '../../shared/run/record';
import { localGradientFn, type GradientFn } from '../../shared/train/gradients';
import { defaultLoss } from '../../shared/train/loss';
import { createOptimizer, type TrainOptimizer } from '../../shared/train/optimizers';
import { backendFailure, initBackend, type BackendInfo, type BackendName } from '../compute/backend';
import { createParallelGradientFn } from '../compute/parallel';
import { RunStore } from '../runs/store';
import { loadCheckpoint, saveCheckpoint, saveModelDir } from './checkpoint';
import { acquireLock } from '../fs/lock';
import { loadRunSamples, type RunSamples } from './data';
import { evaluateEpoch, modelWeightStats, runEpochSteps, stepsPerEpoch, type RunRngs } from './loop';
import { ProgressMeter } from './progress';

export interface TrainJobOptions {
  /** Runs root directory; default `defaultRunsRoot()`. */
  runsRoot?: string;
  signal?: AbortSignal;
  progress?: IProgress<TrainProgress>;
  onEpoch?: (e: TrainEpochEvent) => void;
  /** Called once the run directory exists (before data loading), with the first record. */
  onStart?: (record: RunRecord) => void;
  /** In-memory samples; default: loaded from `config.data`. */
  data?: { train: Sample[]; val: Sample[] };
  /**
   * Gradient implementation for the model (e.g. the data-parallel one); default: the
   * single-thread `localGradientFn` with BCE + soft Dice. Returning `dispose` lets pools shut down.
   */
  gradientFn?: (model: tf.LayersModel, config: RunConfig) => Promise<{ fn: GradientFn; dispose?: () => Promise<void> | void }>;
  /** Id for a new run (default: generated from the name and time). */
  runId?: string;
  /** Backend already chosen by the caller (skips initBackend). */
  backend?: BackendInfo;
}

const STREAM = { shuffle: 1, augment: 2, optimizer: 3 } as const;

function freshRngs(seed: number): RunRngs {
  return {
    shuffle: createRng(deriveSeed(seed, STREAM.shuffle)),
    augment: createRng(deriveSeed(seed, STREAM.augment)),
    optimizer: createRng(deriveSeed(seed, STREAM.optimizer)),
  };
}

/** Starts a new run: creates its directory and trains to completion, cancel or failure. */
export async function trainNewRun(rawConfig: RunConfigInput, opts: TrainJobOptions = {}): Promise<RunRecord> {
  const parsed = parseRunConfig(rawConfig);
  // A new run always records its data seed, so its split never depends on the run seed.
  const config = { ...parsed, dataSeed: parsed.dataSeed ?? DEFAULT_DATA_SEED };
  const store = new RunStore(opts.runsRoot);
  const backend = opts.backend ?? (await initBackend(config.backend));
  const record = await store.create(config, backend, opts.runId ? { id: opts.runId } : {});
  const lock = acquireLock(store.paths(record.id).dir, `training run ${record.id}`);
  try {
    opts.onStart?.(record);
    return await runSession(store, record, false, opts);
  } finally {
    lock.release();
  }
}

/**
 * Continues a run from its last checkpoint (end of the last finished epoch) with weights,
 * BatchNorm statistics, momentum and RNG positions restored, so the result equals an
 * uninterrupted run on the same backend. A run without a checkpoint starts over from epoch 0.
 */
export async function resumeRun(runId: string, opts: TrainJobOptions = {}): Promise<RunRecord> {
  const store = new RunStore(opts.runsRoot);
  await store.open(runId); // not-found with a hint before any lock is made
  // A second studio or experiment resuming the same run would delete this one's checkpoint swap.
  const lock = acquireLock(store.paths(runId).dir, `training run ${runId}`);
  try {
    return await resumeLocked(store, runId, opts);
  } finally {
    lock.release();
  }
}

async function resumeLocked(store: RunStore, runId: string, opts: TrainJobOptions): Promise<RunRecord> {
  const record = await store.open(runId);
  if (record.status === 'completed') {
    throw new StudioError({ code: 'bad-input', what: `Run ${runId} is already completed`, hint: 'Start a new run to train further' });
  }
  const backend = opts.backend ?? (await initBackend(record.config.backend));
  record.backend = backend;
  record.status = 'running';
  delete record.error;
  record.timings.resumes++;
  delete record.timings.finishedAt;
  await store.save(record);
  opts.onStart?.(record);
  return runSession(store, record, true, opts);
}

/** workers > 1: the data-parallel GradientFn (BN statistics per shard); else one thread. */
async function defaultGradient(
  model: tf.LayersModel,
  config: RunConfig,
  backend: BackendName,
): Promise<{ fn: GradientFn; dispose?: () => Promise<void> }> {
  if (config.workers <= 1) return { fn: localGradientFn(model, defaultLoss) };
  const engine = createParallelGradientFn(model, config.model, { workers: config.workers, backend });
  try {
    await engine.ready;
  } catch (e) {
    await engine.dispose();
    throw e;
  }
  return { fn: engine.gradFn, dispose: () => engine.dispose() };
}

function sameSplit(a: Split, b: Split): boolean {
  const eq = (x: string[], y: string[]) => x.length === y.length && x.every((v, i) => v === y[i]);
  return eq(a.train, b.train) && eq(a.val, b.val) && eq(a.test, b.test);
}

function errorInfo(e: unknown): NonNullable<RunRecord['error']> {
  // A lost GPU device surfaces as whatever tfjs call failed first; the device's own story is clearer.
  const gpu = backendFailure();
  if (gpu && !(isStudioError(e) && e.code === 'cancelled')) return gpu.toJSON();
  if (isStudioError(e)) return e.toJSON();
  const msg = e instanceof Error ? e.message : String(e);
  return {
    code: 'internal',
    what: `Training failed: ${msg}`,
    hint: 'Resume the run from its last checkpoint; if it fails again, report the message',
  };
}

async function runSession(store: RunStore, record: RunRecord, resume: boolean, opts: TrainJobOptions): Promise<RunRecord> {
  const config = record.config;
  const paths = store.paths(record.id);
  const sessionStart = performance.now();
  let model: tf.LayersModel | undefined;
  let optimizer: TrainOptimizer | undefined;
  let disposeGrad: (() => Promise<void> | void) | undefined;
  const timings = record.timings;
  const addTotal = () => {
    timings.totalSeconds += (performance.now() - sessionStart) / 1000;
  };
  try {
    const data = opts.data ?? (await loadRunSamples(config));
    const loaded = 'split' in data ? (data as RunSamples) : undefined;
    if (resume && loaded && record.data?.split && !sameSplit(record.data.split, loaded.split)) {
      throw new StudioError({
        code: 'mismatch',
        what: `The dataset of run ${record.id} changed since it started (its train/val/test cases differ)`,
        hint: 'Restore the original data, or start a new run on the current data',
      });
    }
    model = buildModel(config.model);
    const rngs = freshRngs(config.seed);
    optimizer = createOptimizer(model, config.optimizer, rngs.optimizer);
    let startEpoch = 0;
    let globalStep = 0;
    if (resume) {
      const ck = await loadCheckpoint(paths.checkpoint, model, optimizer);
      if (ck) {
        startEpoch = ck.epochsDone;
        globalStep = ck.globalStep;
        rngs.shuffle.setState(ck.rng.shuffle);
        rngs.augment.setState(ck.rng.augment);
        rngs.optimizer.setState(ck.rng.optimizer);
      }
      // The checkpoint's history is the truth for the epochs it holds (the record may have missed
      // the last one in a crash); epochs after the checkpoint are redone.
      record.epochs = (ck?.epochs ?? record.epochs).filter((e) => e.epoch < startEpoch);
      const last = record.epochs.at(-1);
      if (last) record.trainingCheck = checkTraining(last.epoch, last.valCaseDice, last.valNothingCaseDice);
    }
    const grad = opts.gradientFn ? await opts.gradientFn(model, config) : await defaultGradient(model, config, record.backend.name);
    disposeGrad = grad.dispose;
    record.data = {
      trainSamples: data.train.length,
      valSamples: data.val.length,
      ...(loaded ? { testSamples: loaded.test.length, datasetId: loaded.datasetId, split: loaded.split } : {}),
    };
    timings.setupSeconds += (performance.now() - sessionStart) / 1000;

    const perEpoch = stepsPerEpoch(data.train.length, config.batchSize);
    const meter = new ProgressMeter(record.id, perEpoch * config.epochs, opts.progress);
    const ctx = { config, model, optimizer, gradFn: grad.fn, train: data.train, rngs, meter, signal: opts.signal };
    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      const epochStart = performance.now();
      const steps = await runEpochSteps(ctx, epoch, globalStep);
      timings.trainSeconds += steps.seconds;
      if (steps.cancelled) return await finish(store, record, 'cancelled', addTotal);
      globalStep = steps.globalStep;

      let t = performance.now();
      const val = await evaluateEpoch(config, model, data.val);
      timings.validationSeconds += (performance.now() - t) / 1000;
      t = performance.now();
      const stats = await modelWeightStats(model);
      timings.statsSeconds += (performance.now() - t) / 1000;
      const ep: EpochRecord = {
        epoch,
        trainLoss: steps.meanLoss,
        varPenalty: steps.meanVarPenalty,
        valCaseDice: val.caseDice,
        valNothingCaseDice: val.nothingCaseDice,
        lr: steps.lastLr,
        seconds: (performance.now() - epochStart) / 1000,
        imagesPerSec: steps.seconds > 0 ? steps.images / steps.seconds : 0,
        steps: steps.steps,
        weightStats: stats,
      };
      t = performance.now();
      await saveCheckpoint(paths.checkpoint, model, optimizer, {
        epochsDone: epoch + 1,
        globalStep,
        rng: { shuffle: rngs.shuffle.getState(), augment: rngs.augment.getState(), optimizer: rngs.optimizer.getState() },
        epochs: [...record.epochs, ep],
      });
      timings.checkpointSeconds += (performance.now() - t) / 1000;
      record.epochs.push(ep);
      record.trainingCheck = checkTraining(epoch, val.caseDice, val.nothingCaseDice);
      await store.save(record);
      opts.onEpoch?.({ runId: record.id, epochs: config.epochs, record: ep });
    }
    await saveModelDir(paths.model, model, { modelConfig: config.model, epochs: config.epochs });
    return await finish(store, record, 'completed', addTotal);
  } catch (e) {
    record.error = errorInfo(e);
    await finish(store, record, 'failed', addTotal).catch(() => undefined);
    return record;
  } finally {
    await disposeGrad?.();
    optimizer?.dispose();
    model?.dispose();
  }
}

async function finish(store: RunStore, record: RunRecord, status: RunRecord['status'], addTotal: () => void): Promise<RunRecord> {
  record.status = status;
  addTotal();
  record.timings.finishedAt = new Date().toISOString();
  await store.save(record);
  return record;
}

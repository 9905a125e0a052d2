import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import type { EpochRecord } from '../../shared/run/record';
import { getWeightArrays, setWeightArrays } from '../../shared/model/weights';
import type { TrainOptimizer } from '../../shared/train/optimizers';
import { writeFileAtomic } from '../fs/atomic';
import { COMPLETE_MARK, replaceDirAtomic, resolveSwappedDir } from '../runs/dirSwap';
import { WEIGHTS_FILE } from '../runs/store';
import { packTensors, unpackTensors } from './tensorPack';

export const OPTIMIZER_FILE = 'optimizer.bin';

/** Everything besides tensors that exact resume needs. */
export interface CheckpointState {
  version: 1;
  /** Epochs finished; training resumes at this (0-based) epoch. */
  epochsDone: number;
  /** Optimizer steps taken so far (the schedule's position). */
  globalStep: number;
  /** uint32 states of the seeded streams (shuffle, augmentation, optimizer draws). */
  rng: Record<string, number>;
  /**
   * The run's epoch records up to epochsDone. The run record is written after the checkpoint, so a
   * crash between the two would otherwise lose the last epoch from the history (charts, reports)
   * while its weights live on. Absent in checkpoints written before it was added.
   */
  epochs?: EpochRecord[];
  savedAt: string;
}

/**
 * Writes model weights (trainable + BatchNorm moving statistics), optimizer state and
 * `state` into a temp directory and swaps it in for `dir`: a crash at any point leaves the
 * previous checkpoint readable.
 */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: TrainOptimizer,
  state: Omit<CheckpointState, 'version' | 'savedAt'>,
): Promise<void> {
  const weights = await getWeightArrays(model);
  const opt = await optimizer.getState();
  await replaceDirAtomic(dir, async (tmp) => {
    await writeFileAtomic(path.join(tmp, WEIGHTS_FILE), packTensors(weights));
    await writeFileAtomic(
      path.join(tmp, OPTIMIZER_FILE),
      packTensors(opt.map((e) => ({ name: e.name, shape: [e.values.length], values: e.values }))),
    );
    const full: CheckpointState = { version: 1, ...state, savedAt: new Date().toISOString() };
    await writeFileAtomic(path.join(tmp, COMPLETE_MARK), JSON.stringify(full, null, 1));
  });
}

/** Restores a checkpoint into `model` and `optimizer`; undefined when there is none. */
export async function loadCheckpoint(dir: string, model: tf.LayersModel, optimizer: TrainOptimizer): Promise<CheckpointState | undefined> {
  const found = resolveSwappedDir(dir);
  if (!found) return undefined;
  const state = await readState(found);
  await loadWeightsFile(path.join(found, WEIGHTS_FILE), model);
  const optFile = path.join(found, OPTIMIZER_FILE);
  const { tensors } = unpackTensors(await fsp.readFile(optFile), optFile);
  optimizer.setState(tensors.map((t) => ({ name: t.name, values: t.values as Float32Array })));
  return state;
}

export async function readState(dir: string): Promise<CheckpointState> {
  const file = path.join(dir, COMPLETE_MARK);
  let raw: Partial<CheckpointState>;
  try {
    raw = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<CheckpointState>;
  } catch {
    throw new StudioError({
      code: 'bad-file',
      file,
      what: 'The checkpoint state is unreadable',
      hint: 'Delete the checkpoint folder to start the run over',
    });
  }
  if (
    raw.version !== 1 ||
    typeof raw.epochsDone !== 'number' ||
    typeof raw.globalStep !== 'number' ||
    typeof raw.rng !== 'object' ||
    (raw.epochs !== undefined && !Array.isArray(raw.epochs))
  ) {
    throw new StudioError({
      code: 'bad-file',
      file,
      what: 'The checkpoint state has an unknown layout',
      hint: 'It may come from another studio version; start the run over',
    });
  }
  return raw as CheckpointState;
}

/** Final weights of a completed run, same file format as the checkpoint's. */
export async function saveModelDir(dir: string, model: tf.LayersModel, info: Record<string, unknown>): Promise<void> {
  const weights = await getWeightArrays(model);
  await replaceDirAtomic(dir, async (tmp) => {
    await writeFileAtomic(path.join(tmp, WEIGHTS_FILE), packTensors(weights));
    const names = weights.map((w) => ({ name: w.name, shape: w.shape }));
    await writeFileAtomic(
      path.join(tmp, COMPLETE_MARK),
      JSON.stringify({ version: 1, ...info, weights: names, savedAt: new Date().toISOString() }, null, 1),
    );
  });
}

/** Loads a weights.bin (checkpoint or model dir) into a model built from the run's ModelConfig. */
export async function loadWeightsFile(file: string, model: tf.LayersModel): Promise<void> {
  const { tensors } = unpackTensors(await fsp.readFile(file), file);
  setWeightArrays(
    model,
    tensors.map((t) => ({ name: t.name, shape: t.shape, values: t.values as Float32Array })),
  );
}

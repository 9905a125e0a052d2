import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import { buildModel } from '../../shared/model/build';
import type { ModelConfig } from '../../shared/model/config';
import type { RunRecord } from '../../shared/run/record';
import { RunStore, type TrainedWeights } from '../runs/store';
import { loadWeightsFile } from './checkpoint';

export interface RunModel {
  model: tf.LayersModel;
  record: RunRecord;
  /** Which weights were loaded (RunStore.trainedWeights). */
  weights: TrainedWeights['kind'];
}

/**
 * The trained network of a run (a run directory `<runsRoot>/<id>`): its trained weights
 * (RunStore.trainedWeights) in a model built from its ModelConfig. Needs an initialised backend;
 * the caller disposes the model.
 */
export async function loadRunModel(runDir: string): Promise<RunModel> {
  const abs = path.resolve(runDir);
  const store = new RunStore(path.dirname(abs));
  const id = path.basename(abs);
  const record = await store.open(id);
  const weights = store.trainedWeights(id);
  if (!weights) {
    throw new StudioError({
      code: 'not-found',
      file: store.paths(id).dir,
      what: `Run ${id} has no trained weights yet`,
      hint: 'Train at least one epoch first',
    });
  }
  return { model: await buildTrainedModel(record.config.model, weights.file), record, weights: weights.kind };
}

/** A fresh model of `config` with the weights of `weightsFile` (the caller disposes it). */
export async function buildTrainedModel(config: ModelConfig, weightsFile: string): Promise<tf.LayersModel> {
  const model = buildModel(config);
  try {
    await loadWeightsFile(weightsFile, model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

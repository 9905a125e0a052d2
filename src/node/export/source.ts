/** The trained model of a run directory, for export: which weights (RunStore.trainedWeights), then the model. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import type { RunRecord } from '../../shared/run/record';
import { RunStore, type TrainedWeights } from '../runs/store';
import { buildTrainedModel } from '../train/runModel';

export interface RunSource {
  runDir: string;
  record: RunRecord;
  /** Which weights are exported: the completed run's model, or its last checkpoint. */
  weights: TrainedWeights['kind'];
  weightsFile: string;
  /** Epochs the exported weights were trained for (RunStore.trainedWeights). */
  weightsEpochs: TrainedWeights['epochs'];
}

/** Opens `runDir` (a folder holding run.json) and finds the weights to export, without loading them. */
export async function openRunSource(runDir: string): Promise<RunSource> {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(path.join(dir, 'run.json'))) {
    throw new StudioError({
      code: 'not-found',
      file: dir,
      what: 'This folder is not a run (no run.json)',
      hint: 'Pass a run directory, e.g. ~/.local/share/var-studio/runs/<run id>',
    });
  }
  const store = new RunStore(path.dirname(dir));
  const record = await store.open(path.basename(dir));
  const weights = store.trainedWeights(record.id);
  if (!weights) {
    throw new StudioError({
      code: 'not-found',
      file: dir,
      what: `Run ${record.id} has no trained weights yet (status ${record.status})`,
      hint: 'Wait for the first epoch to finish, or train the run again',
    });
  }
  return { runDir: dir, record, weights: weights.kind, weightsFile: weights.file, weightsEpochs: weights.epochs };
}

/** A fresh model of the run's architecture with its trained weights (the caller disposes it). */
export function loadTrainedModel(src: RunSource): Promise<tf.LayersModel> {
  return buildTrainedModel(src.record.config.model, src.weightsFile);
}

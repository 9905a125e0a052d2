import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import { buildModel } from '../../shared/model/build';
import type { RunRecord } from '../../shared/run/record';
import { COMPLETE_MARK, resolveSwappedDir } from '../runs/dirSwap';
import { RunStore } from '../runs/store';
import { loadWeightsFile, WEIGHTS_FILE } from './checkpoint';

export interface RunModel {
  model: tf.LayersModel;
  record: RunRecord;
  /** 'final' = model/ of a completed run; 'checkpoint' = end of the last finished epoch. */
  weights: 'final' | 'checkpoint';
}

/**
 * The trained network of a run (a run directory `<runsRoot>/<id>`): built from its ModelConfig
 * with the final weights, or the last checkpoint's when the run did not complete. Needs an
 * initialised backend; the caller disposes the model.
 */
export async function loadRunModel(runDir: string): Promise<RunModel> {
  const abs = path.resolve(runDir);
  const store = new RunStore(path.dirname(abs));
  const id = path.basename(abs);
  const record = await store.open(id);
  const paths = store.paths(id);
  const finalDir = fs.existsSync(path.join(paths.model, COMPLETE_MARK)) ? paths.model : undefined;
  const dir = finalDir ?? resolveSwappedDir(paths.checkpoint);
  if (!dir) {
    throw new StudioError({ code: 'not-found', file: paths.dir, what: `Run ${id} has no trained weights yet`, hint: 'Train at least one epoch first' });
  }
  const model = buildModel(record.config.model);
  try {
    await loadWeightsFile(path.join(dir, WEIGHTS_FILE), model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, record, weights: finalDir ? 'final' : 'checkpoint' };
}

/** The trained model of a run directory, rebuilt for export: final weights, else the last checkpoint. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../shared/errors';
import { buildModel } from '../../shared/model/build';
import type { RunRecord } from '../../shared/run/record';
import { resolveSwappedDir } from '../runs/dirSwap';
import { RunStore } from '../runs/store';
import { loadWeightsFile, WEIGHTS_FILE } from '../train/checkpoint';

export interface RunSource {
  runDir: string;
  record: RunRecord;
  /** Which weights are exported: the completed run's model, or its last checkpoint. */
  weights: 'final' | 'checkpoint';
  weightsFile: string;
}

/** Opens `runDir` (a folder holding run.json) and finds the weights to export, without loading them. */
export async function openRunSource(runDir: string): Promise<RunSource> {
  const dir = path.resolve(runDir);
  if (!fs.existsSync(path.join(dir, 'run.json'))) {
    throw new StudioError({ code: 'not-found', file: dir, what: 'This folder is not a run (no run.json)', hint: 'Pass a run directory, e.g. ~/.local/share/var-studio/runs/<run id>' });
  }
  const store = new RunStore(path.dirname(dir));
  const record = await store.open(path.basename(dir));
  const paths = store.paths(record.id);
  for (const [kind, base] of [['final', paths.model], ['checkpoint', paths.checkpoint]] as const) {
    const found = resolveSwappedDir(base);
    if (found && fs.existsSync(path.join(found, WEIGHTS_FILE))) return { runDir: dir, record, weights: kind, weightsFile: path.join(found, WEIGHTS_FILE) };
  }
  throw new StudioError({ code: 'not-found', file: dir, what: `Run ${record.id} has no trained weights yet (status ${record.status})`, hint: 'Wait for the first epoch to finish, or train the run again' });
}

/** A fresh model of the run's architecture with its trained weights (the caller disposes it). */
export async function loadTrainedModel(src: RunSource): Promise<tf.LayersModel> {
  const model = buildModel(src.record.config.model);
  try {
    await loadWeightsFile(src.weightsFile, model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

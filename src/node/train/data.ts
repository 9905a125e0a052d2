import { generatePhantoms, phantomDatasetId } from '../../shared/data/phantoms';
import { loadSamples } from '../../shared/data/preprocess';
import { splitByPatient } from '../../shared/data/split';
import type { Dataset, Sample, Split } from '../../shared/data/types';
import { StudioError } from '../../shared/errors';
import { splitSeed, type RunConfig, type RunData } from '../../shared/run/config';

export interface RunSamples {
  train: Sample[];
  val: Sample[];
  test: Sample[];
  datasetId: string;
  /** Case ids per part. */
  split: Split;
}

/**
 * The phantom set this process generated last. An experiment cell trains and then sweeps in one
 * process: the sweep takes the training's set instead of generating it again (generation is
 * deterministic, and nothing writes to a dataset's slices). One set only, so memory stays bounded.
 */
let lastPhantoms: { id: string; dataset: Dataset } | undefined;

/** The dataset a run config names. Disk formats come from src/node/data. */
export async function openRunDataset(data: RunData): Promise<Dataset> {
  if (data.kind === 'phantoms') {
    const opts = { count: data.count, slicesPerCase: data.slicesPerCase, size: data.size, seed: data.seed };
    const id = phantomDatasetId(opts);
    if (lastPhantoms?.id !== id) lastPhantoms = { id, dataset: generatePhantoms(opts) };
    return lastPhantoms.dataset;
  }
  // Loaded on demand: disk readers pull in ESM-only packages (nifti-reader-js) that a worker
  // started from sources (CommonJS via tsx) cannot require; phantom runs never need them.
  const { openDataset, checkTrainable } = await import('../data/index');
  const ds = await openDataset(data.path, {
    ...(data.format ? { format: data.format } : {}),
    ...(data.channels ? { channels: data.channels } : {}),
    ...(data.labels ? { labels: data.labels } : {}),
  });
  checkTrainable(ds, data.acceptDataIssues === true);
  return ds;
}

/**
 * Train/val/test samples of a run: split by patient with the run's data seed (`splitSeed`), so
 * every consumer of a run (the pruning sweep, the export check) gets the same cases, and runs that
 * differ only in their run seed share the split. Preprocessed to the model input.
 */
export async function loadRunSamples(config: RunConfig): Promise<RunSamples> {
  const ds = await openRunDataset(config.data);
  const split = splitByPatient(ds.cases, config.split, splitSeed(config));
  const opts = { size: config.model.inputSize, channels: config.model.inChannels };
  const [train, val, test] = await Promise.all([
    loadSamples(ds, split.train, opts),
    loadSamples(ds, split.val, opts),
    loadSamples(ds, split.test, opts),
  ]);
  if (train.length === 0) {
    throw new StudioError({
      code: 'bad-input',
      what: `The training split of ${ds.root} is empty`,
      hint: 'Use more cases or a larger train fraction',
    });
  }
  return { train, val, test, datasetId: ds.id, split };
}

/**
 * The pre-flight of a run: what would make it fail or mislead, found before a thread is spent on
 * it. Data with no lesion mask, too few patients to give the split's every part one, more
 * gradient workers than cores; and how long it will take, from a short calibration of the run's
 * own model on this machine (skipped while another job trains: it would slow that job and time
 * a machine that is busy).
 */
import * as os from 'node:os';
import type { TrainingPreflight, PreflightProblem } from '../../../shared/api/schemas/training';
import type { CaseInfo } from '../../../shared/data/types';
import { splitByPatient } from '../../../shared/data/split';
import { isStudioError, StudioError } from '../../../shared/errors';
import { plural } from '../../../shared/format/plural';
import { DEFAULT_DATA_SEED, type RunConfig } from '../../../shared/run/config';
import { stepsPerEpoch } from '../../../node/train/loop';
import { openRunDataset } from '../../../node/train/data';
import type { Calibration } from '../../../node/train/calibrate';
import { startJobProcess } from '../../../node/jobs/host';

export const machineCores = (): number => os.availableParallelism();

/** Gradient workers above the cores only share them (and multiply the memory). */
export function workersProblem(workers: number, cores = machineCores()): PreflightProblem | undefined {
  if (workers <= cores) return undefined;
  return {
    severity: 'error',
    field: 'workers',
    what: `This machine has ${plural(cores, 'core')}: at most ${cores} gradient ${cores === 1 ? 'worker' : 'workers'} can run at once`,
    hint: `Use ${cores} (one per core) or 0 to train in one thread`,
  };
}

/** Phantom cases are known without generating them: one patient each, every slice masked. */
function phantomCases(count: number, slicesPerCase: number): CaseInfo[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `phantom-${i}`,
    patientId: `phantom-${i}`,
    sliceCount: slicesPerCase,
    width: 1,
    height: 1,
    channels: 3,
    hasMask: true,
    lesionSlices: 0,
  }));
}

const PART_NAMES = { train: 'training', val: 'validation', test: 'test' } as const;

function dataProblems(
  config: RunConfig,
  cases: CaseInfo[],
): { problems: PreflightProblem[]; data: NonNullable<TrainingPreflight['data']> } {
  const problems: PreflightProblem[] = [];
  const masked = cases.filter((c) => c.hasMask);
  const patients = new Set(cases.map((c) => c.patientId)).size;
  if (masked.length === 0) {
    problems.push({
      severity: 'error',
      field: 'data',
      what: `None of the ${plural(cases.length, 'case')} has a lesion mask, so there is nothing to learn from`,
      hint: 'Open scans together with their masks (LGG *_mask.tif, NIfTI *_seg or *_mask, PNG mask pairs), or train on the built-in phantoms',
    });
  } else if (masked.length < cases.length) {
    problems.push({
      severity: 'warning',
      field: 'data',
      what: `${plural(cases.length - masked.length, 'case')} of ${cases.length} ${cases.length - masked.length === 1 ? 'has' : 'have'} no mask and will be read as lesion-free`,
      hint: 'Add their masks if they do have lesions',
    });
  }
  // The split a new run will get: its data seed, never its run seed.
  const split = splitByPatient(cases, config.split, config.dataSeed ?? DEFAULT_DATA_SEED);
  const byPart = (ids: string[]) => new Set(cases.filter((c) => ids.includes(c.id)).map((c) => c.patientId)).size;
  const counts = { train: byPart(split.train), val: byPart(split.val), test: byPart(split.test) };
  const empty = (['train', 'val', 'test'] as const).filter((k) => config.split[k] > 0 && counts[k] === 0);
  if (empty.length > 0) {
    const needed = (['train', 'val', 'test'] as const).filter((k) => config.split[k] > 0).length;
    problems.push({
      severity: 'error',
      field: 'data',
      what: `${plural(patients, 'patient')} cannot be split into training, validation and test: the ${empty.map((k) => PART_NAMES[k]).join(' and ')} ${empty.length === 1 ? 'part would be' : 'parts would be'} empty`,
      hint: `Use at least ${needed} patients (more give a validation Dice worth reading)`,
    });
  }
  const slices = (ids: string[]) => cases.filter((c) => ids.includes(c.id)).reduce((a, c) => a + c.sliceCount, 0);
  return {
    problems,
    data: {
      cases: cases.length,
      casesWithMask: masked.length,
      patients,
      split: counts,
      trainSlices: slices(split.train),
      valSlices: slices(split.val),
    },
  };
}

/** Runs src/worker/calibrate.worker.ts once, in a child process (a few training steps must not block the studio). */
function calibrate(config: RunConfig): Promise<Calibration> {
  return startJobProcess<RunConfig, never, Calibration>({
    worker: 'calibrate',
    data: config,
    label: 'time calibration',
    crashHint: 'The run can still start',
  }).done;
}

export interface PreflightOptions {
  calibrate: boolean;
  /** Another job trains now: no calibration (it would slow that job and measure a busy machine). */
  busy: boolean;
  cores?: number;
  /** Injected in tests. */
  calibrateStep?: (config: RunConfig) => Promise<Calibration>;
}

export async function preflight(config: RunConfig, opts: PreflightOptions): Promise<TrainingPreflight> {
  const cores = opts.cores ?? machineCores();
  const problems: PreflightProblem[] = [];
  const w = workersProblem(config.workers, cores);
  if (w) problems.push(w);

  let data: TrainingPreflight['data'];
  try {
    const cases =
      config.data.kind === 'phantoms'
        ? phantomCases(config.data.count, config.data.slicesPerCase)
        : (await openRunDataset(config.data)).cases;
    const checked = dataProblems(config, cases);
    problems.push(...checked.problems);
    data = checked.data;
  } catch (e) {
    const err = isStudioError(e)
      ? e
      : new StudioError({
          code: 'internal',
          what: `The data could not be read: ${e instanceof Error ? e.message : String(e)}`,
          hint: 'Open it in the Data view to see what is wrong',
        });
    problems.push({ severity: 'error', field: 'data', what: err.what, hint: err.hint });
  }

  const ok = !problems.some((p) => p.severity === 'error');
  let estimate: TrainingPreflight['estimate'];
  let estimateNote: string | undefined;
  if (!ok) estimateNote = 'No time estimate until the problems above are fixed';
  else if (!opts.calibrate) estimateNote = 'Time estimate not requested';
  else if (opts.busy) estimateNote = 'No time estimate while another job trains (timing it now would slow that job down)';
  else if (data) {
    try {
      const c = await (opts.calibrateStep ?? calibrate)(config);
      const steps = stepsPerEpoch(data.trainSlices, config.batchSize) * config.epochs;
      // Data-parallel workers split each batch (about 1/workers of the step); validation is a
      // forward pass over the validation slices each epoch (about a third of a training step per batch).
      const parallel = Math.max(1, Math.min(config.workers, cores));
      const stepMs = c.msPerStep / parallel;
      const valMs = stepsPerEpoch(data.valSlices, config.batchSize) * config.epochs * (c.msPerStep / 3);
      estimate = { seconds: (steps * stepMs + valMs) / 1000, msPerStep: stepMs, steps, backend: c.backend };
    } catch (e) {
      estimateNote = isStudioError(e) ? e.what : 'The time calibration failed';
    }
  }
  return { ok, cores, ...(data ? { data } : {}), ...(estimate ? { estimate } : {}), ...(estimateNote ? { estimateNote } : {}), problems };
}

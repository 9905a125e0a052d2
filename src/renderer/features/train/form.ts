/**
 * The Train form as plain strings (what the inputs hold) and its translation to a RunConfig,
 * validated by the same zod schema the service uses, so the messages next to the fields are
 * the ones the service would give.
 */
import { modelPreset, presetNames, type PresetName } from '../../../shared/model/config';
import { RunConfigSchema, type RunConfigInput, type RunData } from '../../../shared/run/config';
import { dataIssuesProblem } from '../../../shared/data/accept';
import { METHOD_LABELS, optimizerMethods, type AscentKind, type OptimizerMethod } from '../../../shared/train/optimizerConfig';

export interface TrainForm {
  name: string;
  preset: PresetName;
  width: string;
  inputSize: string;
  method: OptimizerMethod;
  varOn: boolean;
  varLambda: string;
  /** SAM / CrAM with VAR: the ascent follows the whole objective (default) or the data loss only. */
  ascent: AscentKind;
  rho: string;
  cramSparsities: string;
  epochs: string;
  lr: string;
  batchSize: string;
  seed: string;
  /** "phantoms" or the index of an opened dataset in `DataSource[]`. */
  source: string;
  phantomCases: string;
  phantomSlices: string;
  /** Data-parallel gradient workers (RunConfig.workers). */
  workers: string;
  /** Train although the data check found NaN/Inf voxels or blank volumes (RunData.acceptDataIssues). */
  acceptDataIssues: boolean;
}

export type FieldName = keyof TrainForm;
export type FieldErrors = Partial<Record<FieldName, string>>;

/** A dataset opened in the Data view that a run can read by path. */
export interface DataSource {
  label: string;
  data: Extract<RunData, { kind: 'path' }>;
  /** Problems the data check found when the dataset was opened ("file: detail"), if any. */
  issues?: string[];
}

export const PRESET_LABELS: Record<PresetName, string> = {
  reference: 'Reference UNet (fast)',
  'resnet18-unet': 'ResNet-18-UNet',
  'resnet34-unet': 'ResNet-34-UNet',
  'resnet50-unet': 'ResNet-50-UNet',
};
export { METHOD_LABELS, optimizerMethods, presetNames };

/** The CPU-scale default experiment: small enough to train in minutes on two cores. */
export const DEFAULT_FORM: TrainForm = {
  name: 'sgd',
  preset: 'reference',
  width: '0.5',
  inputSize: '64',
  method: 'sgd',
  varOn: false,
  varLambda: '0.0001',
  ascent: 'objective',
  rho: '0.05',
  cramSparsities: '0.5, 0.7, 0.9',
  epochs: '8',
  lr: '0.05',
  batchSize: '16',
  seed: '1',
  source: 'phantoms',
  phantomCases: '32',
  phantomSlices: '16',
  // Both cores of the common 2-core machine; the run record shows what was used.
  workers: '2',
  acceptDataIssues: false,
};

export function suggestName(f: TrainForm): string {
  return `${f.method}${f.varOn ? '+var' : ''}`;
}

export const usesRho = (m: OptimizerMethod) => m !== 'sgd';
export const usesSparsities = (m: OptimizerMethod) => m === 'cram' || m === 'cram+';

/** Encoder downsampling per preset (mirrors resolveArchitecture in src/shared/model/build.ts, which pulls in tfjs). */
const DOWNSAMPLE: Record<PresetName, number> = { reference: 8, 'resnet18-unet': 32, 'resnet34-unet': 32, 'resnet50-unet': 32 };

/** Schema paths -> the form field that shows the message. */
const FIELD_OF: Record<string, FieldName> = {
  name: 'name',
  'model.widthMultiplier': 'width',
  'model.inputSize': 'inputSize',
  'optimizer.lr': 'lr',
  'optimizer.rho': 'rho',
  'optimizer.cramSparsities': 'cramSparsities',
  'optimizer.varLambda': 'varLambda',
  'optimizer.ascent': 'ascent',
  'optimizer.method': 'method',
  epochs: 'epochs',
  batchSize: 'batchSize',
  seed: 'seed',
  'data.count': 'phantomCases',
  'data.slicesPerCase': 'phantomSlices',
  'data.size': 'inputSize',
  'data.path': 'source',
  'data.acceptDataIssues': 'acceptDataIssues',
  workers: 'workers',
};

/** "" stays NaN so the schema reports it; numbers parse as written. */
function num(s: string): number {
  return s.trim() === '' ? Number.NaN : Number(s);
}

function fieldFor(path: PropertyKey[]): FieldName {
  const key = path.map(String).join('.');
  return FIELD_OF[key] ?? FIELD_OF[path.slice(0, 2).map(String).join('.')] ?? FIELD_OF[key.replace(/\.\d+$/, '')] ?? 'name';
}

/** Schema issues as a person would say them: "Must be above 0", not "Too small: expected number to be >0". */
export function readable(issue: {
  code: string;
  message: string;
  minimum?: unknown;
  maximum?: unknown;
  inclusive?: boolean;
  expected?: unknown;
  origin?: unknown;
}): string {
  const n = (v: unknown) => (typeof v === 'bigint' ? Number(v) : (v as number));
  // A message written for people in the schema itself is kept as it is.
  if (!/^(Too small|Too big|Invalid)/.test(issue.message)) return issue.message;
  if (issue.code === 'invalid_type')
    return issue.expected === 'int' ? 'Enter a whole number' : issue.expected === 'number' ? 'Enter a number' : 'Fill this in';
  if (issue.code === 'too_small' && issue.origin === 'string') return 'Fill this in';
  if (issue.code === 'too_small' && issue.origin === 'array') return 'List at least one value';
  if (issue.code === 'too_small') return issue.inclusive ? `Must be at least ${n(issue.minimum)}` : `Must be above ${n(issue.minimum)}`;
  if (issue.code === 'too_big' && issue.origin === 'string') return `At most ${n(issue.maximum)} characters`;
  if (issue.code === 'too_big') return issue.inclusive ? `Must be at most ${n(issue.maximum)}` : `Must be below ${n(issue.maximum)}`;
  if (issue.code === 'invalid_format' || issue.code === 'invalid_value') return 'Not a valid value here';
  return issue.message;
}

export function toRunConfig(form: TrainForm, sources: DataSource[]): { config?: RunConfigInput; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const sparsities = form.cramSparsities
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map(Number);
  if (usesSparsities(form.method) && sparsities.some((s) => !Number.isFinite(s)))
    errors.cramSparsities = 'List numbers between 0 and 1, e.g. 0.5, 0.9';
  const inputSize = num(form.inputSize);
  let data: RunData;
  if (form.source === 'phantoms') {
    data = {
      kind: 'phantoms',
      count: num(form.phantomCases),
      slicesPerCase: num(form.phantomSlices),
      size: inputSize,
      seed: num(form.seed),
    };
  } else {
    const src = sources[Number(form.source)];
    if (!src) errors.source = 'Open this dataset again in the Data view';
    data = src?.data ?? { kind: 'path', path: '' };
    // The service refuses such data too; saying it here spares a failed run.
    const problem = dataIssuesProblem(src?.issues ?? [], form.acceptDataIssues, 'train');
    if (problem) errors.acceptDataIssues = problem;
    else if (src?.issues?.length) data = { ...data, acceptDataIssues: true };
  }
  // A layout's chosen channels are the model's inputs; other data is read as 3 channels (1 is replicated).
  const inChannels = (data.kind === 'path' && data.channels?.length) || 3;
  let model;
  try {
    model = modelPreset(form.preset, { widthMultiplier: num(form.width), inputSize, inChannels, seed: 1 });
  } catch {
    // Reported field by field by the schema below.
    model = { preset: form.preset, encoder: 'basic1', widthMultiplier: num(form.width), inputSize, inChannels, seed: 1 };
  }
  const raw = {
    name: form.name.trim(),
    model,
    optimizer: {
      method: form.method,
      lr: num(form.lr),
      ...(usesRho(form.method) ? { rho: num(form.rho) } : {}),
      ...(usesSparsities(form.method) ? { cramSparsities: sparsities.filter(Number.isFinite) } : {}),
      varLambda: form.varOn ? num(form.varLambda) : 0,
      ...(usesRho(form.method) && form.varOn ? { ascent: form.ascent } : {}),
    },
    epochs: num(form.epochs),
    batchSize: num(form.batchSize),
    seed: num(form.seed),
    workers: num(form.workers),
    data,
  };
  const parsed = RunConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const f = fieldFor(issue.path);
      errors[f] ??= readable(issue as Parameters<typeof readable>[0]);
    }
  }
  if (form.varOn && !errors.varLambda && !(num(form.varLambda) > 0))
    errors.varLambda = 'With VAR on, lambda must be above 0 (typical 1e-5 to 1e-4)';
  const ds = DOWNSAMPLE[form.preset];
  if (!errors.inputSize && Number.isInteger(inputSize) && inputSize % ds !== 0) {
    errors.inputSize = `Must be a multiple of ${ds} for this model (e.g. ${Math.max(ds, Math.round(inputSize / ds) * ds)})`;
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { errors };
  return { config: raw as RunConfigInput, errors };
}

/** The form as typed survives a reload of the page (not the studio's data: just these strings). */
const FORM_KEY = 'var-studio.train-form';

export function loadForm(): TrainForm {
  try {
    const saved = JSON.parse(localStorage.getItem(FORM_KEY) ?? 'null') as Partial<TrainForm> | null;
    if (!saved || typeof saved !== 'object') return DEFAULT_FORM;
    const known = Object.fromEntries(
      Object.entries(saved).filter(([k, v]) => k in DEFAULT_FORM && typeof v === typeof DEFAULT_FORM[k as FieldName]),
    );
    return { ...DEFAULT_FORM, ...known };
  } catch {
    return DEFAULT_FORM;
  }
}

export function saveForm(form: TrainForm): void {
  try {
    localStorage.setItem(FORM_KEY, JSON.stringify(form));
  } catch {
    // Storage full or disabled: the form simply starts from the defaults next time.
  }
}

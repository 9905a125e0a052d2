/** `var-studio predict RUN_DIR --in PATH --sparsity 0,0.9 --out DIR`: masks of a trained (and pruned) run on a new scan. */
import { isStudioError, StudioError } from '../../../shared/errors';
import { parsePredictConfig, PredictFormatSchema, type PredictFormat } from '../../../shared/predict/config';
import type { PredictionSummary } from '../../../shared/predict/result';
import type { CliCommand, CliIO } from '../types';
import { reportStudioError } from '../errors';
import { Progress } from '../progress';
import { percent } from '../../../shared/format/percent';
import { parseCommandArgs } from '../args';

const USAGE = [
  'Usage: var-studio predict RUN_DIR --in PATH --out DIR [--sparsity 0,0.9,0.95] [--format nifti,seg,png]',
  '                          [--threshold 0.5] [--scope global|layerwise] [--keep-first-last]',
  '                          [--input-format dicom|nifti|png|lgg|decathlon|brats] [--channels A,B] [--labels 1,2,4]',
  '                          [--accept-data-issues] [--force] [--json]',
  '',
  '  RUN_DIR          a trained run directory (holds run.json), e.g. ~/.var-studio/runs/<run id>',
  '  --in PATH        the scan: a DICOM series folder, a NIfTI volume, a folder of them, PNG slices…',
  '  --out DIR        output folder: level-<pct>/<case>.nii.gz, .seg.dcm, PNGs and predictions.json',
  '  --sparsity L     comma list of levels, fractions 0 <= s < 1 (default 0 = the trained model)',
  '  --format F       nifti (default), seg (DICOM sources only), png; comma list allowed',
  '  --threshold T    probability at or above which a pixel is lesion (default 0.5)',
  '  --scope          global (default) or layerwise magnitude pruning, as in the sweep',
  '  --keep-first-last  leave the first and last conv layers dense',
  '  --accept-data-issues  predict although the scan has NaN/Inf voxels or a blank volume (refused by default)',
  '  --channels A,B   Decathlon/nnU-Net or BraTS scans: the scan channels that feed the model, in order',
  '                   (default: the channels the run was trained on, e.g. flair,t1ce,t2)',
  "  --labels 1,2,4   label maps: the label values that count as lesion for Dice (default: the run's)",
  '  --force          replace the files of an earlier prediction in DIR',
  '  --json           print predictions.json instead of the table',
  '',
  "Masks keep the scan's own size, slice order and geometry (NIfTI: the source header or the DICOM",
  'positions and direction cosines; SEG: references the source series and every source image).',
  'Lesion volume = lesion voxels x row spacing x column spacing x slice step (distance between slice',
  'centres from the DICOM positions, or the NIfTI voxel size). Dice is shown when the scan has a mask.',
  'Ctrl-C stops between batches; nothing is written for a cancelled prediction.',
].join('\n');

function bad(what: string, hint = 'Run `var-studio predict --help`'): StudioError {
  return new StudioError({ code: 'bad-input', what, hint });
}

function parse(argv: string[]) {
  const parsed = parseCommandArgs('predict', {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      in: { type: 'string' },
      out: { type: 'string' },
      sparsity: { type: 'string' },
      format: { type: 'string' },
      threshold: { type: 'string' },
      scope: { type: 'string' },
      'keep-first-last': { type: 'boolean' },
      'input-format': { type: 'string' },
      channels: { type: 'string' },
      labels: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      'accept-data-issues': { type: 'boolean' },
    },
  });
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1)
    throw bad(`expected one RUN_DIR, got ${positionals.length}`, 'Usage: var-studio predict RUN_DIR --in SCAN --out DIR');
  if (!v.in) throw bad('--in is required', 'Give the scan to predict on: a DICOM folder, a .nii.gz volume, …');
  if (!v.out) throw bad('--out is required', 'Give a folder for the masks');
  const levels = (v.sparsity ?? '0').split(',').map((s) => s.trim());
  const nums = levels.map(Number);
  const wrong = levels.find((s, i) => s === '' || !Number.isFinite(nums[i]) || nums[i] < 0 || nums[i] >= 1);
  if (wrong !== undefined) throw bad(`invalid --sparsity "${wrong}"`, 'Give fractions from 0 up to (not including) 1, e.g. 0,0.9,0.95');
  const threshold = v.threshold === undefined ? 0.5 : Number(v.threshold);
  if (!(threshold > 0 && threshold < 1) || v.threshold?.trim() === '')
    throw bad(`invalid --threshold "${v.threshold}"`, 'Give a probability between 0 and 1, e.g. 0.5');
  if (v.scope !== undefined && v.scope !== 'global' && v.scope !== 'layerwise')
    throw bad(`unknown --scope "${v.scope}"`, 'Use global or layerwise');
  const formats = (v.format ?? 'nifti')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const badFormat = formats.find((f) => !PredictFormatSchema.options.includes(f as PredictFormat));
  if (badFormat !== undefined || formats.length === 0)
    throw bad(`unknown --format "${badFormat ?? v.format}"`, 'Use nifti, seg or png (comma list allowed)');
  const channels = v.channels
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (v.channels !== undefined && !channels?.length)
    throw bad('--channels is empty', 'Name the scan channels in model order, e.g. --channels flair,t1ce,t2');
  const labelText = v.labels?.split(',').map((l) => l.trim());
  const labels = labelText?.map(Number);
  const wrongLabel = labelText?.find((l, i) => !/^\d+$/.test(l) || labels![i] < 1 || labels![i] > 65535);
  if (wrongLabel !== undefined) throw bad(`invalid --labels "${wrongLabel}"`, 'Give label values from 1 to 65535, e.g. --labels 1,2,4');
  return {
    ...(channels ? { channels } : {}),
    ...(labels ? { labels } : {}),
    runDir: positionals[0],
    input: v.in,
    outDir: v.out,
    formats: [...new Set(formats)] as PredictFormat[],
    config: parsePredictConfig({
      levels: nums,
      threshold,
      scope: v.scope ?? 'global',
      keepFirstLast: !!v['keep-first-last'],
      ...(v['accept-data-issues'] ? { acceptDataIssues: true } : {}),
    }),
    ...(v['input-format'] ? { format: v['input-format'] } : {}),
    force: !!v.force,
    json: !!v.json,
  };
}

const pct = (s: number) => percent(s, { trim: true });
const ml = (v: number | null, signed = false) => (v === null ? '–' : `${signed && v >= 0 ? '+' : ''}${v.toFixed(3)} mL`);

export function predictionTable(s: PredictionSummary): string[] {
  const lines: string[] = [];
  lines.push(`Run ${s.runName} (${s.runId}), threshold ${s.config.threshold}, model input ${s.modelInput.join('x')}, ${s.backend}`);
  for (const c of s.cases) {
    const geo =
      c.voxelMl === null
        ? 'no pixel spacing: volumes in voxels'
        : `voxel ${c.spacing![0].toFixed(3)} x ${c.spacing![1].toFixed(3)} x ${c.sliceStep!.toFixed(3)} mm (slice step from ${c.sliceStepFrom})`;
    lines.push('');
    lines.push(`${c.source}: ${c.width}x${c.height}x${c.depth}, ${geo}`);
    lines.push(
      `  ${'sparsity'.padEnd(9)} ${'achieved'.padEnd(9)} ${'voxels'.padStart(9)} ${'volume'.padStart(12)} ${'vs first'.padStart(12)}${c.hasMask ? `  ${'Dice'.padStart(6)}` : ''}`,
    );
    c.levels.forEach((l, i) => {
      const achieved = s.levels[i]?.achieved ?? l.sparsity;
      lines.push(
        `  ${pct(l.sparsity).padEnd(9)} ${pct(achieved).padEnd(9)} ${String(l.voxels).padStart(9)} ${ml(l.volumeMl).padStart(12)} ${(i === 0 ? '' : ml(l.deltaMl, true)).padStart(12)}${c.hasMask ? `  ${l.dice === null ? '–' : l.dice.toFixed(4)}`.padStart(8) : ''}`,
      );
    });
  }
  for (const w of s.warnings) lines.push(`Warning: ${w}`);
  return lines;
}

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: 'Predict lesion masks on a new scan with a trained run at one or more sparsity levels (NIfTI, DICOM SEG, PNG)',
  usage: USAGE,
  async run(argv, io: CliIO) {
    try {
      const args = parse([...argv]);
      // Loaded here: the predictor pulls in tfjs, which `var-studio --help` should not pay for.
      const { predictScan, writePrediction } = await import('../../../node/inference/index');
      const bar = new Progress(io);
      const prediction = await predictScan({
        runDir: args.runDir,
        input: args.input,
        config: args.config,
        ...(args.format ? { format: args.format } : {}),
        ...(args.channels ? { channels: args.channels } : {}),
        ...(args.labels ? { labels: args.labels } : {}),
        signal: io.signal,
        onProgress: (p) => bar.update('predict', p.fraction, p.etaSeconds ?? null, p.message),
      });
      bar.clear();
      const summary = await writePrediction(prediction, args.outDir, args.formats, { overwrite: args.force, signal: io.signal });
      if (args.json) io.out(JSON.stringify(summary, null, 2));
      else {
        for (const l of predictionTable(summary)) io.out(l);
        io.out('');
        io.out(`Masks and predictions.json written to ${args.outDir}`);
      }
      return 0;
    } catch (e) {
      if (isStudioError(e)) return reportStudioError(e, io);
      throw e;
    }
  },
};

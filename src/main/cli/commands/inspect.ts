/** `var-studio inspect PATH`: what the studio finds in a user's data, as JSON, before training. */
import { StudioError, isStudioError } from '../../../shared/errors';
import { inspectPath } from '../../../node/data/open';
import { reportStudioError } from '../errors';
import { Progress } from '../progress';
import type { CliCommand } from '../types';
import { parseCommandArgs } from '../args';

function mb(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!(v > 0) || !Number.isFinite(v))
    throw new StudioError({ code: 'bad-input', what: `invalid ${flag} "${raw}"`, hint: 'Give a size in megabytes, e.g. 512' });
  return Math.floor(v * 1024 * 1024);
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'Check a data set (DICOM, NIfTI, PNG, LGG) and print a JSON summary',
  usage: [
    'Usage: var-studio inspect PATH [--format lgg|png|nifti|dicom] [--headers-only] [--max-file-mb N] [--max-total-mb N]',
    '',
    '  PATH             a file or folder of scans',
    '  --format F       skip detection and read PATH as this format',
    '  --headers-only   FAST, INCOMPLETE: read file headers only; truncated or corrupt pixel data,',
    '                   NaN/Inf voxels and blank volumes are NOT detected (default: decode every slice)',
    '  --max-file-mb N  largest single file accepted (default 1024)',
    '  --max-total-mb N largest data set accepted (default 8192)',
    '',
    'Prints the format, cases, slices, shapes (HxWxC), spacing, channels, masks and the data check',
    '(`quality`: NaN/Inf voxels and blank volumes per file, files of the folder that were not loaded',
    'and why) as JSON; progress goes to stderr. Exits 1 with the reason on bad input, naming the file.',
  ].join('\n'),
  async run(argv, io) {
    try {
      const parsed = parseCommandArgs('inspect', {
        args: [...argv],
        allowPositionals: true,
        strict: true,
        options: {
          format: { type: 'string' },
          'headers-only': { type: 'boolean' },
          'max-file-mb': { type: 'string' },
          'max-total-mb': { type: 'string' },
        },
      });
      const { values, positionals } = parsed;
      if (positionals.length !== 1)
        throw new StudioError({
          code: 'bad-input',
          what: `expected one PATH, got ${positionals.length}`,
          hint: 'Usage: var-studio inspect PATH',
        });
      if (values.format !== undefined && !['lgg', 'png', 'nifti', 'dicom'].includes(values.format)) {
        throw new StudioError({ code: 'bad-input', what: `unknown format "${values.format}"`, hint: 'Use one of lgg, png, nifti, dicom' });
      }
      const maxFileBytes = mb(values['max-file-mb'], '--max-file-mb');
      const maxTotalBytes = mb(values['max-total-mb'], '--max-total-mb');
      const bar = new Progress(io);
      const summary = await inspectPath(positionals[0], {
        ...(values.format ? { format: values.format } : {}),
        headersOnly: values['headers-only'] === true,
        signal: io.signal,
        progress: { report: (s) => bar.update(s.task, s.total ? s.done / s.total : 1, null, `${s.done}/${s.total} slices`) },
        limits: { ...(maxFileBytes ? { maxFileBytes } : {}), ...(maxTotalBytes ? { maxTotalBytes } : {}) },
      });
      bar.clear();
      io.out(JSON.stringify(summary, null, 2));
      return 0;
    } catch (e) {
      if (isStudioError(e)) return reportStudioError(e, io);
      throw e;
    }
  },
};

/** `var-studio phantoms --out DIR`: writes the built-in phantom set in the LGG (kaggle_3m) layout. */
import { StudioError, isStudioError } from '../../../shared/errors';
import { DEFAULT_PHANTOMS, generatePhantoms } from '../../../shared/data/phantoms';
import { writePhantomsAsLgg } from '../../../node/data/lgg-writer';
import type { CliCommand } from '../types';
import { reportStudioError } from '../errors';
import { parseCommandArgs } from '../args';

function int(raw: string | undefined, flag: string, def: number, min: number, max: number): number {
  if (raw === undefined) return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new StudioError({ code: 'bad-input', what: `invalid ${flag} "${raw}"`, hint: `Use an integer from ${min} to ${max}` });
  return v;
}

export const phantomsCommand: CliCommand = {
  name: 'phantoms',
  summary: 'Write the built-in brain-MRI phantoms to a folder in the LGG layout',
  usage: [
    'Usage: var-studio phantoms --out DIR [--cases N] [--slices N] [--size S] [--seed K] [--overwrite]',
    '',
    `  --out DIR    folder to write TCGA_PH_<id>_<date>/ case folders into`,
    `  --cases N    number of cases = patients (default ${DEFAULT_PHANTOMS.count})`,
    `  --slices N   slices per case (default ${DEFAULT_PHANTOMS.slicesPerCase})`,
    `  --size S     slice side in pixels (default ${DEFAULT_PHANTOMS.size})`,
    `  --seed K     generator seed (default ${DEFAULT_PHANTOMS.seed})`,
    '  --overwrite  replace files that already exist (default: refuse)',
  ].join('\n'),
  async run(argv, io) {
    try {
      const { values } = parseCommandArgs('phantoms', {
        args: [...argv],
        strict: true,
        options: {
          out: { type: 'string' },
          cases: { type: 'string' },
          slices: { type: 'string' },
          size: { type: 'string' },
          seed: { type: 'string' },
          overwrite: { type: 'boolean' },
        },
      });
      if (!values.out)
        throw new StudioError({ code: 'bad-input', what: '--out DIR is required', hint: 'Usage: var-studio phantoms --out DIR' });
      const opts = {
        count: int(values.cases, '--cases', DEFAULT_PHANTOMS.count, 1, 100000),
        slicesPerCase: int(values.slices, '--slices', DEFAULT_PHANTOMS.slicesPerCase, 1, 4096),
        size: int(values.size, '--size', DEFAULT_PHANTOMS.size, 8, 2048),
        seed: int(values.seed, '--seed', DEFAULT_PHANTOMS.seed, 0, 2 ** 32 - 1),
      };
      const ds = generatePhantoms(opts);
      const res = await writePhantomsAsLgg(ds, values.out, {
        overwrite: !!values.overwrite,
        signal: io.signal,
        onCase: (done, total) => {
          if (io.isTTY) io.err(`  ${done}/${total} cases`);
        },
      });
      io.out(JSON.stringify({ out: values.out, ...opts, cases: res.cases, slices: res.slices, files: res.files.length }));
      return 0;
    } catch (e) {
      if (isStudioError(e)) return reportStudioError(e, io);
      throw e;
    }
  },
};

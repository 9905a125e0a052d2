/**
 * `var-studio experiment`: train a grid of runs, sweep them, write report.html + results.json.
 * Ctrl-C stops between training steps; finished epochs stay checkpointed and the same command
 * (same --out, or none: the newest unfinished folder of the same config) resumes.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { StudioError } from '../../../shared/errors';
import { parseExperimentConfig, type ExperimentConfig } from '../../../shared/experiment/config';
import { experimentPreset, experimentPresetNames, experimentPresetNotes } from '../../../shared/experiment/presets';
import { DEFAULT_OUT_PARENT, runExperiment, type ExperimentEvent } from '../../../node/experiment';
import { formatDuration, Progress } from '../progress';
import type { CliCommand, CliIO } from '../types';

const MAX_CONFIG_BYTES = 1 << 20;

async function readConfigFile(file: string): Promise<ExperimentConfig> {
  let text: string;
  try {
    const st = await fsp.stat(file);
    if (st.size > MAX_CONFIG_BYTES) throw new StudioError({ code: 'too-large', file, what: `The config file is ${st.size} bytes (limit ${MAX_CONFIG_BYTES})`, hint: 'An experiment config is a small JSON file' });
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError({ code: 'not-found', file, what: 'The config file cannot be read', hint: 'Check the path given to --config' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StudioError({ code: 'bad-file', file, what: `The config file is not valid JSON (${e instanceof Error ? e.message : String(e)})`, hint: 'Print a valid one with `var-studio experiment --preset demo --print-config`' });
  }
  // `"extends": "<preset>"` lets a file change a few top-level fields of a preset.
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'extends' in raw) {
    const { extends: base, ...rest } = raw as Record<string, unknown>;
    if (typeof base !== 'string') throw new StudioError({ code: 'bad-input', file, what: '"extends" must be a preset name', hint: `Use one of ${experimentPresetNames.join(', ')}` });
    raw = { ...experimentPreset(base), ...rest };
  }
  return parseExperimentConfig(raw, `config ${path.basename(file)}`);
}

const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;

function listener(io: CliIO, progress: Progress): (e: ExperimentEvent) => void {
  let runStart = 0;
  return (e) => {
    switch (e.type) {
      case 'stage':
      case 'info':
        progress.log(e.type === 'stage' ? `== ${e.stage}: ${e.message}` : e.message);
        break;
      case 'run-start':
        runStart = performance.now();
        progress.log(`Run ${e.index + 1}/${e.total} ${e.cell.label} seed ${e.cell.seed}: ${e.resumedAtEpoch !== null ? `resuming after epoch ${e.resumedAtEpoch}` : 'training'} (${e.runId})`);
        break;
      case 'train-progress': {
        const p = e.progress;
        // Remaining time of this run, plus the runs after it at this run's pace.
        const perRun = p.fraction < 1 && p.fraction > 0 ? p.etaSeconds / (1 - p.fraction) : null;
        const eta = perRun === null ? p.etaSeconds : p.etaSeconds + (e.total - e.index - 1) * perRun;
        const overall = (e.index + p.fraction) / e.total;
        progress.update(`train ${e.index + 1}/${e.total}`, overall, eta, `${e.cell.label} ep ${p.epoch + 1} loss ${p.loss.toFixed(3)} ${p.imagesPerSec.toFixed(1)} img/s`);
        break;
      }
      case 'epoch': {
        const r = e.record;
        progress.log(`  epoch ${r.epoch + 1}/${e.epochs} loss ${r.trainLoss.toFixed(4)}${r.varPenalty ? ` var ${r.varPenalty.toFixed(4)}` : ''} val Dice ${r.valDice === null ? '–' : r.valDice.toFixed(3)} |w|<1e-3 ${pct(r.weightStats.global.fracBelow1e3)} (${r.seconds.toFixed(1)} s)`);
        break;
      }
      case 'run-done':
        if (e.skipped) progress.log(`Run ${e.index + 1}/${e.total} ${e.cell.label} seed ${e.cell.seed}: already completed (${e.record.id})`);
        else progress.log(`  ${io.signal.aborted && e.record.status !== 'completed' ? 'stopped (last finished epoch checkpointed)' : e.record.status} in ${formatDuration((performance.now() - runStart) / 1000)}`);
        break;
      case 'sweep-progress':
        progress.update('sweep', e.progress.fraction, e.progress.fraction > 0 ? e.progress.etaSeconds : null, e.progress.message);
        break;
    }
  };
}

export const experimentCommand: CliCommand = {
  name: 'experiment',
  summary: 'Train runs (SGD vs SGD+VAR, ...), prune them at every level and write report.html + results.json',
  usage: [
    'Usage: var-studio experiment [--preset NAME | --config FILE] [--out DIR] [--fresh] [--backend NAME] [--workers N] [--print-config]',
    '',
    `  --preset NAME   ${experimentPresetNames.join(' | ')} (default demo: SGD and SGD+VAR on the built-in phantoms, ≤ 10 min on 2 cores)`,
    '  --config FILE   a JSON experiment config (methods, varLambdas and seeds are swept as a grid);',
    '                  "extends": "demo" takes the preset and replaces the top-level fields you give',
    `  --out DIR       output folder (runs/, results.json, report.html); default ./${DEFAULT_OUT_PARENT}/<name>-<time>.`,
    '                  A folder holding an unfinished experiment of the same config is resumed.',
    '  --fresh         start a new folder even if an unfinished one of the same config exists',
    '  --backend NAME  auto | tensorflow-gpu | tensorflow | wasm | cpu (overrides the config)',
    '  --workers N     data-parallel gradient workers per run (overrides the config)',
    '  --print-config  print the resolved config as JSON and exit',
    '',
    'Ctrl-C stops cleanly: finished epochs stay checkpointed; run the same command again to resume.',
  ].join('\n'),
  async run(argv, io) {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...argv],
        strict: true,
        options: {
          preset: { type: 'string' },
          config: { type: 'string' },
          out: { type: 'string' },
          fresh: { type: 'boolean' },
          backend: { type: 'string' },
          workers: { type: 'string' },
          'print-config': { type: 'boolean' },
        },
      }));
    } catch (e) {
      throw new StudioError({ code: 'bad-input', what: e instanceof Error ? e.message : String(e), hint: 'Run `var-studio experiment --help`' });
    }
    if (values.preset && values.config) throw new StudioError({ code: 'bad-input', what: '--preset and --config exclude each other', hint: 'Give one of them (a config file can say "extends": "demo")' });
    const preset = values.config ? undefined : (values.preset ?? 'demo');
    let config = values.config ? await readConfigFile(values.config) : experimentPreset(preset!);
    if (values.backend !== undefined || values.workers !== undefined) {
      config = parseExperimentConfig(
        { ...config, ...(values.backend !== undefined ? { backend: values.backend } : {}), ...(values.workers !== undefined ? { workers: Number(values.workers) } : {}) },
        'command line',
      );
    }
    if (values['print-config']) {
      io.out(JSON.stringify(config, null, 2));
      return 0;
    }

    const progress = new Progress(io);
    const runs = config.methods.length * config.varLambdas.length * config.seeds.length;
    io.out(`VAR Studio experiment "${config.name}"${preset ? ` (preset ${preset})` : ''}: ${runs} run(s) × ${config.epochs} epochs, then ${config.sweep.levels.length} sparsity levels.`);
    const t0 = performance.now();
    const outcome = await runExperiment(config, {
      ...(values.out ? { out: values.out } : {}),
      fresh: !!values.fresh,
      ...(preset ? { preset, notes: [...experimentPresetNotes(preset)] } : {}),
      signal: io.signal,
      onEvent: listener(io, progress),
    });
    progress.clear();
    const where = outcome.paths.out;
    if (outcome.status === 'completed') {
      const r = outcome.results!;
      for (const line of r.findings) io.out(line);
      io.out(`Done in ${formatDuration((performance.now() - t0) / 1000)} on ${r.backend.name}.`);
      io.out(`Report:  ${outcome.paths.report}`);
      io.out(`Results: ${outcome.paths.results}`);
      return 0;
    }
    if (outcome.status === 'cancelled') {
      io.err(`Stopped. Finished epochs are checkpointed under ${outcome.paths.runsRoot}; experiment status: cancelled (${outcome.paths.state}).`);
      io.err(`Resume with: var-studio experiment ${values.config ? `--config ${values.config}` : `--preset ${preset}`} --out ${JSON.stringify(where)}`);
      return 130;
    }
    io.err(`Failed: ${outcome.error?.what ?? 'unknown error'}.`);
    if (outcome.error?.hint) io.err(outcome.error.hint);
    io.err(`Checkpoints are kept in ${outcome.paths.runsRoot}; the same command with --out ${JSON.stringify(where)} resumes.`);
    return 1;
  },
};

/**
 * `var-studio experiment`: train a grid of cells (method x lambda x seed), sweep them, write
 * report.html + results.json. Locally the cells run in parallel processes (--jobs); --plan,
 * --cell K and --collect split the same work for a cluster, and --slurm / --k8s write the job
 * files that do it. Ctrl-C (or SIGTERM from a scheduler) stops between training steps; finished
 * epochs stay checkpointed and the same command resumes.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { BackendPreferenceSchema, backendLabel } from '../../../shared/backend';
import { StudioError } from '../../../shared/errors';
import { checkTraining } from '../../../shared/run/trainingCheck';
import { parseExperimentConfig, type ExperimentConfig } from '../../../shared/experiment/config';
import { experimentPreset, experimentPresetNames } from '../../../shared/experiment/presets';
import { probeBackend } from '../../../node/compute/backend';
import {
  chooseOut,
  collectExperiment,
  DEFAULT_OUT_PARENT,
  ensurePlan,
  experimentPaths,
  findCell,
  requirePlan,
  runCell,
  runExperiment,
  type ExperimentEvent,
} from '../../../node/experiment';
import { writeK8sFiles } from '../../../node/experiment/k8s';
import { sameConfig } from '../../../node/experiment/state';
import { shellQuote, writeSlurmFiles } from '../../../node/experiment/slurm';
import { Progress } from '../progress';
import { formatDuration } from '../../../shared/format/time';
import type { CliCommand, CliIO } from '../types';
import { percent } from '../../../shared/format/percent';
import { parseCommandArgs } from '../args';
import { levelQuantity } from '../../../shared/sweep/levels';

const MAX_CONFIG_BYTES = 1 << 20;

async function readConfigFile(file: string): Promise<ExperimentConfig> {
  let text: string;
  try {
    const st = await fsp.stat(file);
    if (st.size > MAX_CONFIG_BYTES)
      throw new StudioError({
        code: 'too-large',
        file,
        what: `The config file is ${st.size} bytes (limit ${MAX_CONFIG_BYTES})`,
        hint: 'An experiment config is a small JSON file',
      });
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError({ code: 'not-found', file, what: 'The config file cannot be read', hint: 'Check the path given to --config' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StudioError({
      code: 'bad-file',
      file,
      what: `The config file is not valid JSON (${e instanceof Error ? e.message : String(e)})`,
      hint: 'Print a valid one with `var-studio experiment --preset demo --print-config`',
    });
  }
  // `"extends": "<preset>"` lets a file change a few top-level fields of a preset.
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'extends' in raw) {
    const { extends: base, ...rest } = raw as Record<string, unknown>;
    if (typeof base !== 'string')
      throw new StudioError({
        code: 'bad-input',
        file,
        what: '"extends" must be a preset name',
        hint: `Use one of ${experimentPresetNames.join(', ')}`,
      });
    raw = { ...experimentPreset(base), ...rest };
  }
  return parseExperimentConfig(raw, `config ${path.basename(file)}`);
}

const pct = (x: number) => percent(x, { trim: true, compact: true });

function listener(io: CliIO, progress: Progress): (e: ExperimentEvent) => void {
  const started = new Map<string, number>();
  const name = (c: { index: number; label: string; seed: number }, total: number) =>
    `Cell ${c.index + 1}/${total} ${c.label} seed ${c.seed}`;
  return (e) => {
    switch (e.type) {
      case 'stage':
      case 'info':
        progress.log(e.type === 'stage' ? `== ${e.stage}: ${e.message}` : e.message);
        break;
      case 'run-start':
        started.set(e.cell.key, performance.now());
        progress.log(
          `${name(e.cell, e.total)}: ${e.resumedAtEpoch !== null ? `resuming after epoch ${e.resumedAtEpoch}` : 'training'} (${e.runId})`,
        );
        break;
      case 'train-progress': {
        const p = e.progress;
        progress.update(
          `train ${e.cell.index + 1}/${e.total}`,
          p.fraction,
          p.etaSeconds,
          `${e.cell.label} s${e.cell.seed} ep ${p.epoch + 1} loss ${p.loss.toFixed(3)} ${p.imagesPerSec.toFixed(1)} img/s`,
        );
        break;
      }
      case 'epoch': {
        const r = e.record;
        progress.log(
          `  [${e.cell.index + 1}] epoch ${r.epoch + 1}/${e.epochs} loss ${r.trainLoss.toFixed(4)}${r.varPenalty ? ` var ${r.varPenalty.toFixed(4)}` : ''} val per-case Dice ${r.valCaseDice === null ? '–' : r.valCaseDice.toFixed(3)}${checkTraining(r.epoch, r.valCaseDice, r.valNothingCaseDice).verdict === 'failed' ? ' [no better than predicting nothing]' : ''} |w|<1e-3 ${pct(r.weightStats.global.fracBelow1e3)} (${r.seconds.toFixed(1)} s)`,
        );
        break;
      }
      case 'run-done':
        if (e.skipped) progress.log(`${name(e.cell, e.total)}: run already completed (${e.record.id})`);
        else
          progress.log(
            `  [${e.cell.index + 1}] training ${io.signal.aborted && e.record.status !== 'completed' ? 'stopped (last finished epoch checkpointed)' : e.record.status} in ${formatDuration((performance.now() - (started.get(e.cell.key) ?? performance.now())) / 1000)}`,
          );
        break;
      case 'sweep-progress':
        progress.update(
          `sweep ${e.cell.index + 1}/${e.total}`,
          e.progress.fraction,
          e.progress.fraction > 0 ? e.progress.etaSeconds : null,
          e.progress.message,
        );
        break;
      case 'cell-done':
        if (e.skipped) progress.log(`${name(e.cell, e.total)}: already completed`);
        else progress.log(`  [${e.cell.index + 1}] cell ${e.record.status}${e.record.error ? `: ${e.record.error.what}` : ''}`);
        break;
    }
  };
}

/** The command that runs this very installation of var-studio (for job scripts). */
function defaultCli(): string {
  const entry = process.argv[1] ? realpathSync(process.argv[1]) : '';
  // From sources (tsx) the entry is TypeScript: the node on the cluster needs the same loader.
  const loader = entry.endsWith('.ts') ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [];
  return [process.execPath, ...loader, entry].map(shellQuote).join(' ');
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 4096)
    throw new StudioError({ code: 'bad-input', what: `${flag} must be a whole number (got "${value}")`, hint: `e.g. ${flag} 2` });
  return n;
}

export const experimentCommand: CliCommand = {
  name: 'experiment',
  summary: 'Train runs (SGD vs SGD+VAR, ...), prune them at every level and write report.html + results.json',
  usage: [
    'Usage: var-studio experiment [--preset NAME | --config FILE] [--out DIR] [--jobs N] [options]',
    '       var-studio experiment --config FILE --out DIR --plan | --slurm [...] | --k8s [...]',
    '       var-studio experiment --out DIR --cell K | --collect',
    '',
    `  --preset NAME   ${experimentPresetNames.join(' | ')} (default demo: SGD and SGD+VAR on the built-in phantoms, ≤ 10 min on 2 cores)`,
    '  --config FILE   a JSON experiment config (methods, varLambdas and seeds are swept as a grid of cells);',
    '                  "extends": "demo" takes the preset and replaces the top-level fields you give',
    `  --out DIR       output folder (experiment.json, cells/, runs/, results.json, report.html); default`,
    `                  ./${DEFAULT_OUT_PARENT}/<name>-<time>. A folder holding an unfinished experiment of the same config is resumed.`,
    '  --fresh         start a new folder even if an unfinished one of the same config exists',
    "  --reuse-runs DIR  take each cell's trained run from the earlier experiment in DIR where its training",
    '                  config is the same (every field but the name), and sweep it here instead of training:',
    '                  an ablation of the sweep on the same networks (e.g. --preset science-bn after science).',
    '                  Cells without such a run train as usual. The plan remembers DIR',
    `  --backend NAME  ${BackendPreferenceSchema.options.join(' | ')} (overrides the config)`,
    '  --workers N     data-parallel gradient workers per run (overrides the config)',
    '  --jobs N        cells at once on this machine (default: automatic, one per core when a cell uses one',
    '                  thread (wasm, cpu), one on the native backends, fewer when memory is short)',
    '  --print-config  print the resolved config as JSON and exit',
    '',
    'Cells (the same work split for a cluster; DIR must be on storage every node sees at the same path):',
    '  --plan          write the plan (one cell per method x lambda x seed) into DIR and list the cells',
    '  --cell K        train and sweep cell K (index from 0, or its key) of the plan in DIR; resumable',
    '  --collect       merge the finished cells of DIR into results.json and report.html; lists missing/failed cells',
    '  --slurm         write DIR/slurm/cells.sbatch (a job array, one task per cell) and collect.sbatch, print the',
    '                  two sbatch commands. Options: --partition P, --time T, --gpus-per-cell N (default 1 with',
    '                  backend tensorflow-gpu), --cpus-per-cell N, --mem-per-cell 4G, --max-parallel N',
    '  --k8s           write DIR/k8s/{claim,cells,collect}.yaml (an Indexed Job, index = --cell, on a shared',
    '                  ReadWriteMany claim). Options: --image IMG (required), --pvc NAME (existing claim),',
    '                  --storage 20Gi, --mount /var-studio, --namespace NS, --gpus-per-cell N, --cpus-per-cell N',
    '  --cli CMD       how the job scripts start var-studio on the nodes (default: this installation)',
    '',
    'Ctrl-C (or SIGTERM) stops cleanly: finished epochs stay checkpointed; run the same command again to resume.',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseCommandArgs('experiment', {
      args: [...argv],
      strict: true,
      options: {
        preset: { type: 'string' },
        config: { type: 'string' },
        out: { type: 'string' },
        fresh: { type: 'boolean' },
        'reuse-runs': { type: 'string' },
        backend: { type: 'string' },
        workers: { type: 'string' },
        jobs: { type: 'string' },
        'print-config': { type: 'boolean' },
        plan: { type: 'boolean' },
        cell: { type: 'string' },
        collect: { type: 'boolean' },
        slurm: { type: 'boolean' },
        k8s: { type: 'boolean' },
        partition: { type: 'string' },
        time: { type: 'string' },
        'gpus-per-cell': { type: 'string' },
        'cpus-per-cell': { type: 'string' },
        'mem-per-cell': { type: 'string' },
        'max-parallel': { type: 'string' },
        image: { type: 'string' },
        pvc: { type: 'string' },
        storage: { type: 'string' },
        mount: { type: 'string' },
        namespace: { type: 'string' },
        cli: { type: 'string' },
      },
    });
    if (values.preset && values.config)
      throw new StudioError({
        code: 'bad-input',
        what: '--preset and --config exclude each other',
        hint: 'Give one of them (a config file can say "extends": "demo")',
      });
    const modes = (['plan', 'cell', 'collect', 'slurm', 'k8s'] as const).filter((m) => values[m] !== undefined && values[m] !== false);
    if (modes.length > 1)
      throw new StudioError({ code: 'bad-input', what: `--${modes.join(' and --')} exclude each other`, hint: 'Give one of them' });
    const mode = modes[0];
    if (mode && !values.out)
      throw new StudioError({
        code: 'bad-input',
        what: `--${mode} needs --out DIR`,
        hint: 'Name the experiment folder (on shared storage for a cluster)',
      });

    // --cell and --collect work on the plan already in DIR; a config given with them must match it.
    if (mode === 'cell' || mode === 'collect') {
      if (values['reuse-runs'])
        throw new StudioError({
          code: 'bad-input',
          what: `--reuse-runs cannot be given with --${mode}`,
          hint: 'Give it when planning (--plan, --slurm, --k8s): the plan in the folder remembers it',
        });
      const paths = experimentPaths(values.out!);
      const plan = await requirePlan(paths);
      if (values.config && !sameConfig(plan.config, await readConfigFile(values.config))) {
        throw new StudioError({
          code: 'bad-input',
          file: paths.plan,
          what: 'The folder was planned from a different config',
          hint: 'Leave out --config: the plan in the folder has it',
        });
      }
      if (mode === 'collect') return collect(paths, io);
      const cell = findCell(plan, values.cell!);
      const backend = await probeBackend(plan.config.backend, { log: () => {} });
      io.out(
        `VAR Studio experiment "${plan.name}", cell ${cell.index}/${plan.cells.length - 1} ${cell.key} (${cell.label}, seed ${cell.seed}) on ${backendLabel(backend)}${backend.fallbacks.length ? ` (${backend.fallbacks.map((f) => `${f.name} skipped: ${f.reason}`).join('; ')})` : ''}.`,
      );
      const progress = new Progress(io);
      const record = await runCell(paths, plan, values.cell!, { signal: io.signal, onEvent: listener(io, progress) });
      progress.clear();
      if (record.status === 'completed') return 0;
      if (record.status === 'cancelled') {
        io.err(`Stopped. The run's finished epochs are checkpointed; the same command resumes cell ${cell.index}.`);
        return 130;
      }
      io.err(`Cell ${cell.index} ${record.status}: ${record.error?.what ?? 'no reason recorded'}. ${record.error?.hint ?? ''}`.trim());
      return 1;
    }

    const preset = values.config ? undefined : (values.preset ?? 'demo');
    let config = values.config ? await readConfigFile(values.config) : experimentPreset(preset!);
    if (values.backend !== undefined || values.workers !== undefined) {
      config = parseExperimentConfig(
        {
          ...config,
          ...(values.backend !== undefined ? { backend: values.backend } : {}),
          ...(values.workers !== undefined ? { workers: Number(values.workers) } : {}),
        },
        'command line',
      );
    }
    if (values['print-config']) {
      io.out(JSON.stringify(config, null, 2));
      return 0;
    }
    const reuseRunsFrom = values['reuse-runs'];
    const meta = { ...(preset ? { preset } : {}), ...(reuseRunsFrom ? { reuseRunsFrom } : {}) };

    if (mode === 'plan' || mode === 'slurm' || mode === 'k8s') {
      const paths = experimentPaths(values.out!);
      const { plan, created } = await ensurePlan(paths, config, meta);
      io.out(`${created ? 'Planned' : 'Plan already in place:'} ${plan.cells.length} cell(s) of "${plan.name}" in ${paths.plan}`);
      for (const c of plan.cells) io.out(`  ${String(c.index).padStart(3)}  ${c.key}  (${c.label}, seed ${c.seed})`);
      const cli = values.cli ?? defaultCli();
      const gpusPerCell = positiveInt(values['gpus-per-cell'], '--gpus-per-cell');
      const cpusPerCell = positiveInt(values['cpus-per-cell'], '--cpus-per-cell') || undefined;
      if (mode === 'slurm') {
        const maxParallel = positiveInt(values['max-parallel'], '--max-parallel') || undefined;
        const files = await writeSlurmFiles(plan, paths, {
          cli,
          ...(values.partition ? { partition: values.partition } : {}),
          ...(values.time ? { time: values.time } : {}),
          ...(gpusPerCell !== undefined ? { gpusPerCell } : {}),
          ...(cpusPerCell ? { cpusPerCell } : {}),
          ...(values['mem-per-cell'] ? { memPerCell: values['mem-per-cell'] } : {}),
          ...(maxParallel ? { maxParallel } : {}),
        });
        io.out(`Wrote ${files.cellsScript} and ${files.collectScript}. Submit with:`);
        for (const c of files.commands) io.out(`  ${c}`);
        io.out(`Logs go to ${path.join(paths.out, 'slurm')}; ${paths.out} must be on storage every node mounts at this path.`);
      } else if (mode === 'k8s') {
        if (!values.image)
          throw new StudioError({
            code: 'bad-input',
            what: '--k8s needs --image IMG',
            hint: 'Name a container image with var-studio installed',
          });
        const files = await writeK8sFiles(plan, paths, {
          image: values.image,
          command: values.cli ? values.cli.split(/\s+/).filter(Boolean) : ['var-studio'],
          ...(values.pvc ? { pvc: values.pvc } : {}),
          ...(values.storage ? { storage: values.storage } : {}),
          ...(values.mount ? { mountPath: values.mount } : {}),
          ...(values.namespace ? { namespace: values.namespace } : {}),
          ...(gpusPerCell !== undefined ? { gpusPerCell } : {}),
          ...(cpusPerCell ? { cpusPerCell } : {}),
          ...(values['mem-per-cell'] ? { memPerCell: values['mem-per-cell'] } : {}),
        });
        io.out(`Wrote ${files.files.join(', ')}. In the pods the experiment folder is ${files.podOut}. Run:`);
        for (const c of files.commands) io.out(`  ${c}`);
      } else {
        io.out(`Run a cell with: var-studio experiment --out ${shellQuote(paths.out)} --cell K; collect with --collect.`);
      }
      return 0;
    }

    const jobs = positiveInt(values.jobs, '--jobs') || undefined;
    const progress = new Progress(io);
    const cells = config.methods.length * config.varLambdas.length * config.seeds.length;
    const backend = await probeBackend(config.backend, { log: () => {} });
    io.out(
      `VAR Studio experiment "${config.name}"${preset ? ` (preset ${preset})` : ''}: ${cells} cell(s) × ${config.epochs} epochs, then ${config.sweep.levels.length} ${config.sweep.family === 'channel' ? `channel-pruning levels (${levelQuantity(config.sweep)})` : 'sparsity levels'}, on ${backendLabel(backend)}${backend.fallbacks.length ? ` (${backend.fallbacks.map((f) => `${f.name} skipped: ${f.reason}`).join('; ')})` : ''}.`,
    );
    const t0 = performance.now();
    const out = await chooseOut(config, {
      ...(values.out ? { out: values.out } : {}),
      fresh: !!values.fresh,
      ...(reuseRunsFrom ? { reuseRunsFrom } : {}),
    });
    const outcome = await runExperiment(config, {
      out,
      ...meta,
      ...(jobs ? { jobs } : {}),
      signal: io.signal,
      onEvent: listener(io, progress),
    });
    progress.clear();
    const where = outcome.paths.out;
    if (outcome.status === 'completed') {
      const r = outcome.results!;
      for (const f of r.findings) io.out(f.text);
      for (const x of r.runs.filter((x) => x.trainingCheck?.verdict === 'failed'))
        io.out(`Failed training (left out of the comparisons): ${x.label} seed ${x.seed} (${x.runId})`);
      io.out(
        `Done in ${formatDuration((performance.now() - t0) / 1000)} on ${backendLabel(r.backend)}, up to ${outcome.jobs} cell(s) at once.`,
      );
      io.out(`Report:  ${outcome.paths.report}`);
      io.out(`Results: ${outcome.paths.results}`);
      return 0;
    }
    if (outcome.status === 'cancelled') {
      io.err(
        `Stopped. Finished epochs are checkpointed under ${outcome.paths.runsRoot}; the cells' states are in ${outcome.paths.cellsDir}.`,
      );
      io.err(
        `Resume with: var-studio experiment ${values.config ? `--config ${values.config}` : `--preset ${preset}`} --out ${JSON.stringify(where)}`,
      );
      return 130;
    }
    io.err(`Failed: ${outcome.error?.what ?? 'unknown error'}.`);
    if (outcome.error?.hint) io.err(outcome.error.hint);
    io.err(`Checkpoints are kept in ${outcome.paths.runsRoot}; the same command with --out ${JSON.stringify(where)} resumes.`);
    return 1;
  },
};

async function collect(paths: ReturnType<typeof experimentPaths>, io: CliIO): Promise<number> {
  const { results, missing } = await collectExperiment(paths);
  const done = results.runs.length;
  io.out(`Collected ${done} of ${done + missing.length} cell(s) of "${results.experiment.name}".`);
  for (const m of missing)
    io.out(`  missing: cell ${m.index} ${m.key} (${m.label}, seed ${m.seed}): ${m.status}${m.what ? ` – ${m.what}` : ''}`);
  for (const f of results.findings) io.out(f.text);
  const timing = results.stages
    .map((s) => `${s.stage} ${formatDuration(s.seconds)}${s.cellsAtOnce ? ` (up to ${s.cellsAtOnce} at once)` : ''}`)
    .join(', ');
  io.out(`Stages: ${timing}.`);
  io.out(`Report:  ${paths.report}`);
  io.out(`Results: ${paths.results}`);
  if (missing.length > 0)
    io.err(`${missing.length} cell(s) are missing or failed: the results are partial. Run them (--cell K) and collect again.`);
  return missing.length > 0 ? 1 : 0;
}

/**
 * `var-studio sweep RUN_DIR... --levels 0,0.5,0.9 [--family unstructured|channel]`: the Sweep
 * view's job, for scripts. Runs in this process; the record is stored beside the run as the
 * view's sweeps are (`<run>/sweeps/<sweepId>.json` + per-case CSV), so the view lists it.
 */
import * as path from 'node:path';
import { isStudioError, StudioError } from '../../../shared/errors';
import { formatBytes } from '../../../shared/export/markdown';
import { levelOnnxBytes, parseSweepConfig, pruneFamilies, type SweepConfig, type SweepRecord } from '../../../shared/sweep';
import type { CliCommand, CliIO } from '../types';
import { reportStudioError } from '../errors';
import { percent } from '../../../shared/format/percent';
import { parseCommandArgs } from '../args';
import { measuredText } from '../../../shared/sweep/measuredText';

const USAGE = [
  'Usage: var-studio sweep RUN_DIR [RUN_DIR...] [--levels L1,L2,...] [--family unstructured|channel]',
  '                        [--criterion l1|l2|bn-gamma] [--target params|flops]',
  '                        [--scope global|layerwise] [--keep-first-last] [--reestimate-bn BATCHES]',
  '                        [--scorer onnx|tfjs] [--split val|test] [--max-slices N]',
  '                        [--measure none|size|latency] [--latency-runs N] [--json]',
  '',
  '  RUN_DIR            a completed run directory (holds run.json); several runs must share one runs folder',
  '  --levels           comma list of fractions in [0, 1] (default 0,0.5,0.7,0.8,0.85,0.9,0.95,0.98; the channel',
  '                     family needs its own, up to the maximum the model allows, e.g. 0,0.25,0.5,0.75,0.9)',
  '  --family           unstructured (default): magnitude pruning, the weights stay in place as zeros;',
  '                     channel: whole conv channels are removed and the network rebuilt smaller; a level',
  '                     is then the fraction of the conv weights (or FLOPs, --target) removed, below 1',
  '  --criterion        channel family: which channels go first: l1 (default, smallest filter L1 norm),',
  '                     l2, or bn-gamma (smallest BatchNorm |gamma|)',
  '  --target           channel family: params (default, conv weights) or flops',
  '  --scope            unstructured family: global (default) or layerwise',
  '  --keep-first-last  unstructured family: leave the stem and head dense',
  '  --reestimate-bn N  recompute BatchNorm statistics on N batches of 8 training slices per level',
  '  --scorer           onnx (default: exported and run in onnxruntime-node) or tfjs',
  '  --split            val (default) or test',
  '  --max-slices N     score only the first N slices (default 0 = all)',
  "  --measure          what each level's exported fp32 ONNX file gets measured: size (default: file and",
  '                     gzip bytes), latency (also onnxruntime-node wall time, batch 1, 1 thread, timed',
  '                     interleaved with the dense model: the speed-up is a same-run ratio), or none',
  '  --latency-runs N   --measure latency: interleaved rounds per level after 3 warm-ups (default 20)',
  '  --json             print the sweep records as JSON instead of the table',
  '',
  'Each level is scored by the studio scoring module (per-case Dice, the headline). Exits 1 with the',
  'reason on bad input, 130 when interrupted (finished levels are kept).',
].join('\n');

const bad = (what: string, hint = 'Run `var-studio sweep --help`') => new StudioError({ code: 'bad-input', what, hint });

function parse(argv: string[]): { runsRoot: string; runIds: string[]; config: SweepConfig; json: boolean } {
  const parsed = parseCommandArgs('sweep', {
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      levels: { type: 'string' },
      family: { type: 'string' },
      criterion: { type: 'string' },
      target: { type: 'string' },
      scope: { type: 'string' },
      'keep-first-last': { type: 'boolean' },
      'reestimate-bn': { type: 'string' },
      scorer: { type: 'string' },
      split: { type: 'string' },
      'max-slices': { type: 'string' },
      measure: { type: 'string' },
      'latency-runs': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const { values: v, positionals } = parsed;
  if (positionals.length === 0) throw bad('expected at least one RUN_DIR', 'Usage: var-studio sweep RUN_DIR --levels 0,0.5,0.9');
  const dirs = positionals.map((p) => path.resolve(p));
  const roots = new Set(dirs.map((d) => path.dirname(d)));
  if (roots.size > 1) throw bad('the runs are in different folders', 'Sweep runs of one runs folder together, or run one sweep per folder');
  if (v.family !== undefined && !pruneFamilies.includes(v.family as never))
    throw bad(`unknown --family "${v.family}"`, `Use ${pruneFamilies.join(' or ')}`);
  const num = (raw: string | undefined, flag: string) => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw bad(`invalid ${flag} "${raw}"`);
    return n;
  };
  const levels = v.levels?.split(',').map((s) => num(s, '--levels')!);
  const batches = num(v['reestimate-bn'], '--reestimate-bn');
  const config = parseSweepConfig({
    ...(levels ? { levels } : {}),
    ...(v.family ? { family: v.family } : {}),
    ...(v.criterion ? { channelCriterion: v.criterion } : {}),
    ...(v.target ? { channelTarget: v.target } : {}),
    ...(v.scope ? { scope: v.scope } : {}),
    ...(v['keep-first-last'] ? { keepFirstLast: true } : {}),
    ...(batches !== undefined ? { bnReestimate: { batches, batchSize: 8 } } : {}),
    ...(v.scorer ? { scorer: v.scorer } : {}),
    ...(v.split ? { split: v.split } : {}),
    ...(v['max-slices'] !== undefined ? { maxSlices: num(v['max-slices'], '--max-slices') } : {}),
    ...(v.measure ? { measure: v.measure } : {}),
    ...(v['latency-runs'] !== undefined ? { latencyRuns: num(v['latency-runs'], '--latency-runs') } : {}),
  });
  if (config.family === 'unstructured' && (v.criterion || v.target)) throw bad('--criterion and --target apply to --family channel');
  return { runsRoot: [...roots][0], runIds: dirs.map((d) => path.basename(d)), config, json: !!v.json };
}

const pct = (x: number) => percent(x);
const d4 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));

function table(r: SweepRecord, io: CliIO): void {
  const c = r.config;
  const how =
    c.family === 'channel'
      ? `channel pruning (${c.channelCriterion}, level = ${c.channelTarget === 'params' ? 'conv weights' : 'FLOPs'} removed)`
      : `unstructured pruning (${c.scope}${c.keepFirstLast ? ', stem and head dense' : ''})`;
  io.out(`Run ${r.runId}, sweep ${r.sweepId}: ${how}, ${r.slices.length} ${c.split} slices, scored with ${c.scorer}: ${r.status}`);
  io.out(
    c.family === 'channel'
      ? '  level    removed  weights kept   FLOPs kept   onnx size   per-case Dice (std)'
      : '  level    zeros    onnx size   per-case Dice (std)',
  );
  for (const l of r.levels) {
    const dice = `${d4(l.summary.caseDice.mean)} (${d4(l.summary.caseDice.std)})`;
    const bytes = levelOnnxBytes(l);
    const size = bytes ? formatBytes(bytes) : '-';
    if (l.channel) {
      const k = l.channel;
      io.out(
        `  ${pct(l.sparsity).padEnd(8)} ${pct(l.achieved).padEnd(8)} ${String(k.kernelParams.after).padEnd(12)}   ${pct(1 - k.flopsRemoved).padEnd(10)}   ${size.padEnd(9)}   ${dice}`,
      );
    } else io.out(`  ${pct(l.sparsity).padEnd(8)} ${pct(l.achieved).padEnd(8)} ${size.padEnd(9)}   ${dice}`);
    if (l.measured) io.out(`           measured: ${measuredText(l.measured)}`);
  }
  if (r.error) io.out(`  stopped: ${r.error.what}. ${r.error.hint}`);
}

export const sweepCommand: CliCommand = {
  name: 'sweep',
  summary: 'Prune completed runs in one shot at several levels (unstructured or channel family) and score each level',
  usage: USAGE,
  async run(argv, io) {
    try {
      const { runsRoot, runIds, config, json } = parse([...argv]);
      if (config.family === 'channel') {
        // Before any level is swept: levels the model cannot reach are refused, naming the maximum.
        const [{ RunStore }, { checkChannelLevels }] = await Promise.all([
          import('../../../node/runs/store'),
          import('../../../shared/sweep/channelLevels'),
        ]);
        const store = new RunStore(runsRoot);
        for (const id of runIds) checkChannelLevels((await store.open(id)).config.model, config, `run ${id}: --levels`);
      }
      // Loaded here: the job pulls in tfjs and onnxruntime, which `var-studio --help` should not pay for.
      const [{ runSweep }, { newSweepId, readSweepRecord }] = await Promise.all([
        import('../../../node/sweep/job'),
        import('../../../node/sweep/files'),
      ]);
      const sweepId = newSweepId();
      const out = await runSweep({
        runsRoot,
        sweepId,
        runIds,
        config,
        signal: io.signal,
        progress: { report: (p) => io.isTTY && io.err(`  ${p.message} (${Math.round(100 * p.fraction)} %)`) },
      });
      const records: SweepRecord[] = [];
      for (const id of runIds) {
        const rec = await readSweepRecord(runsRoot, id, sweepId).catch(() => undefined);
        if (rec) records.push(rec);
      }
      if (json) io.out(JSON.stringify(records, null, 2));
      else records.forEach((r) => table(r, io));
      const firstError = out.runs.find((r) => r.error)?.error;
      if (out.status !== 'completed' && firstError) return reportStudioError(new StudioError(firstError), io);
      return 0;
    } catch (e) {
      if (isStudioError(e)) return reportStudioError(e, io);
      throw e;
    }
  },
};

/**
 * report.html: one self-contained file (inline CSS, inline SVG, PNG data URIs, no script, no
 * link to anything), so it opens offline, can be mailed and archived next to results.json.
 */
import * as path from 'node:path';
import { backendLabel } from '../../shared/backend';
import type { Results } from '../../shared/experiment/results';
import { MIN_BOOTSTRAP_CASES, type Verdict } from '../../shared/stats';
import { ASCENT_LABELS, formatLambda } from '../../shared/train/optimizerConfig';
import { failedTrainingText } from '../../shared/run/trainingCheck';
import type { RunRecord } from '../../shared/run/record';
import type { SweepImages, SweepRecord } from '../../shared/sweep/result';
import { diceChart, diceIntervalLabel, histogramChart, lesionDiceChart, trainingCharts } from './charts';
import { GRID_COLOURS, pickSlices, renderGrid } from './grid';
import { esc } from '../../shared/charts/svg';
import { FLAIR_CHANNEL } from '../../shared/data/channels';
import { percent } from '../../shared/format/percent';
import { formatSeconds } from '../../shared/format/time';
import { plural } from '../../shared/format/plural';
import { levelHeader, levelInWords, levelQuantity } from '../../shared/sweep/levels';

export interface ReportInput {
  results: Results;
  /** Run records by run id (weight histograms). */
  records: Map<string, RunRecord>;
  /** Sweep record and images by run id (prediction grids). */
  sweeps: Map<string, { record: SweepRecord; images: SweepImages }>;
}

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const pct = (x: number) => percent(x, { trim: true, compact: true });
const rgb = (c: [number, number, number]) => `rgb(${c.join(',')})`;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;color:#1d1d1f;background:#f6f7f9}
main{max-width:1080px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}.sub{color:#555;margin:0 0 12px}
.warn{background:#fff4e5;border:1px solid #f0b46a;padding:8px 12px;border-radius:6px;margin:12px 0}
.finding{background:#eef6ff;border-left:4px solid #1864ab;padding:8px 12px;margin:6px 0}
.finding.neg{background:#fff0f0;border-color:#c92a2a}.finding.neutral{background:#f4f4f5;border-color:#868e96}
.finding.fail{background:#fff4e6;border-color:#e8590c}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f1f3f5}td:first-child,th:first-child{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts svg{max-width:100%;height:auto;border:1px solid #eee}
figure{margin:10px 0}figcaption{color:#555;font-size:12px;max-width:900px}
.grid img{image-rendering:pixelated;max-width:100%;border:1px solid #ccc}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px -2px 10px;border:1px solid #888}
code{background:#f1f3f5;padding:0 3px;border-radius:3px}.small{font-size:12px;color:#555}
`;

function findingsHtml(r: Results): string {
  if (!r.findings.length) return '<p>No plain-versus-VAR pair with scored headline levels: nothing to compare.</p>';
  const cls: Record<Verdict, string> = {
    higher: 'finding',
    'no clear difference': 'finding neutral',
    lower: 'finding neg',
    'too few cases to judge': 'finding neutral',
    // Not a direction and not "no difference": both networks are broken at that level.
    'both fail': 'finding fail',
  };
  const failed = r.runs.filter((x) => x.trainingCheck?.verdict === 'failed');
  const flagged = failed.length
    ? `<div class="finding neg">Failed training, left out of every comparison: ${failed.map((x) => `${esc(x.label)} seed ${x.seed} (${esc(failedTrainingText(x.trainingCheck!))})`).join('; ')}.</div>`
    : '';
  return (
    r.findings
      .map(
        (f) =>
          `<div class="${f.verdict ? cls[f.verdict] : 'finding neutral'}" data-verdict="${esc(f.verdict ?? 'none')}">${esc(f.text)}</div>`,
      )
      .join('') + flagged
  );
}

/** Per pair and level: per-seed paired differences, their mean and the 95 % interval. */
function comparisonTable(r: Results): string {
  if (!r.comparisons.length) return '';
  const rows = r.comparisons.map((c) => {
    const i = c.interval;
    return `<tr><td>${esc(c.with.label)} − ${esc(c.without.label)}</td><td>${pct(c.sparsity)}</td><td>${c.perSeed.map((p) => `s${p.seed}: ${f(p.diff, 3)}`).join(', ') || '–'}</td><td>${i ? f(i.mean, 3) : '–'}</td><td>${i ? `${f(i.lo, 3)} to ${f(i.hi, 3)}` : '–'}</td><td class="small">${i ? (i.method === 't-over-seeds' ? `t, ${plural(i.n, 'seed')}` : `bootstrap, ${plural(i.n, 'case')}`) : ''}</td><td>${esc(c.verdict ?? 'nothing to compare')}</td><td class="small">${c.excluded.map((e) => `${esc(e.label)} s${e.seed}: ${esc(e.reason)}`).join('; ')}</td></tr>`;
  });
  return `<table><tr><th>pair</th><th>${esc(levelHeader(r.experiment.config.sweep))}</th><th>difference per seed</th><th>mean</th><th>95 % CI</th><th>interval</th><th>verdict</th><th>left out</th></tr>${rows.join('')}</table>
<p class="small">Difference = mean per-case Dice with VAR minus without, paired by seed (same data, split, initialisation and order). Interval: Student t over seeds; with one seed, a paired bootstrap over the patients (it does not cover seed-to-seed variation). The verdict comes from the interval: above 0 "higher", below 0 "lower", otherwise "no clear difference"; a bootstrap over fewer than ${MIN_BOOTSTRAP_CASES} cases gives "too few cases to judge" (too few distinct resamples to place its 2.5 % tails; the interval is still shown); when every pair scores exactly 0 on both sides (no predicted pixel on any lesion) it is "both fail": both networks are broken at that level, and the interval 0 to 0 says nothing about VAR.</p>`;
}

function diceTable(r: Results): string {
  const levels = r.experiment.config.sweep.levels;
  const multi = r.experiment.config.seeds.length > 1;
  const head = `<tr><th>method</th>${levels.map((l) => `<th>${pct(l)}</th>`).join('')}</tr>`;
  const rows = r.groups.map((g) => {
    const cells = levels.map((lv) => {
      const l = g.levels.find((x) => x.sparsity === lv);
      if (!l || l.caseDiceMean === null) return '<td>–</td>';
      const ci = l.caseDiceCi;
      return `<td>${f(l.caseDiceMean, 3)}${ci ? `<span class="small"> (${f(ci.lo, 3)}–${f(ci.hi, 3)})</span>` : ''}</td>`;
    });
    return `<tr><td>${esc(g.label)}</td>${cells.join('')}</tr>`;
  });
  const lesionRows = r.groups.map(
    (g) =>
      `<tr><td>${esc(g.label)}</td>${levels.map((lv) => `<td>${f(g.levels.find((x) => x.sparsity === lv)?.lesionSliceDiceMean, 3)}</td>`).join('')}</tr>`,
  );
  return `<table>${head}${rows.join('')}</table>
<p class="small">Mean per-case Dice over the ${esc(r.experiment.config.sweep.split)} cases with a lesion; in brackets its ${esc(diceIntervalLabel(r.groups))} (Student t, clipped to [0, 1]${multi ? "; over the seeds' means, or over the cases where only one seed is left" : '; one seed: it does not cover seed-to-seed variation'}).</p>
<h3>Lesion-slice Dice</h3><table>${head}${lesionRows.join('')}</table>`;
}

function runTable(r: Results): string {
  const rows = r.runs.map(
    (x) =>
      `<tr><td>${esc(x.label)}</td><td>${x.seed}</td><td>${formatLambda(x.varLambda)}</td><td>${esc(x.status)}</td><td>${f(x.finalValCaseDice)}</td><td>${x.trainingCheck?.verdict === 'failed' ? '<b>failed</b> (left out)' : esc(x.trainingCheck?.verdict ?? 'unknown')}</td><td>${f(x.weights.std, 4)}</td><td>${pct(x.weights.fracBelow1e3)}</td><td>${x.weights.count.toLocaleString('en')}</td><td>${formatSeconds(x.trainSeconds)}</td><td>${formatSeconds(x.sweepSeconds)}</td><td class="small">${esc(x.runId)}</td></tr>`,
  );
  return `<table><tr><th>run</th><th>seed</th><th>λ</th><th>status</th><th>val per-case Dice</th><th>training</th><th>weight std</th><th>|w|&lt;1e-3</th><th>weights</th><th>train</th><th>sweep</th><th>run id</th></tr>${rows.join('')}</table>`;
}

function detailTable(r: Results): string {
  const sw = r.experiment.config.sweep;
  const channel = sw.family === 'channel';
  const rows = r.entries.map(
    (e) =>
      `<tr><td>${esc(e.label)}</td><td>${e.seed}</td><td>${pct(e.sparsity)}</td><td>${e.achieved === undefined ? '–' : pct(e.achieved)}</td><td>${pct(e.overallSparsity)}</td>${channel ? `<td>${e.kernelParams ? e.kernelParams.after.toLocaleString('en') : '–'}</td>` : ''}<td>${f(e.caseDice.mean)}</td><td>${f(e.caseDice.std)}</td><td>${f(e.caseDice.median)}</td><td>${f(e.lesionSliceDice.mean)}</td><td>${f(e.caseIoU.mean)}</td><td>${f(e.hd95Pooled.median, 1)} / ${f(e.hd95MaxDirected.median, 1)}</td><td>${e.falsePositiveEmptySlices.withPrediction}/${e.falsePositiveEmptySlices.n}</td></tr>`,
  );
  const unit = r.entries[0]?.hd95Unit ?? 'px';
  return `<table><tr><th>run</th><th>seed</th><th>${esc(levelHeader(sw))}</th><th>achieved</th><th>${channel ? 'all kernel elements removed' : 'overall zeros'}</th>${channel ? '<th>kernel weights left</th>' : ''}<th>per-case Dice mean</th><th>per-case Dice std</th><th>per-case Dice median</th><th>lesion-slice Dice</th><th>per-case IoU</th><th>HD95 median MedPy / MONAI (${unit})</th><th>FP lesion-free slices</th></tr>${rows.join('')}</table>`;
}

function gridsHtml(input: ReportInput): string {
  const r = input.results;
  const cfg = r.experiment.config;
  const levels = r.experiment.config.sweep.levels;
  // Default columns: the unstructured family's many levels from 80 % up; a channel sweep's few levels all.
  const shown =
    cfg.report.gridLevels?.filter((l) => levels.includes(l)) ??
    (cfg.sweep.family === 'channel' ? levels : levels.filter((l) => l === 0 || l >= 0.8));
  const quantity = levelQuantity(cfg.sweep);
  const first = r.runs.map((x) => input.sweeps.get(x.runId)).find((s) => s);
  if (!first) return '<p>No sweep finished: no predictions to show.</p>';
  const slices = pickSlices(first.record, cfg.report.gridSlices);
  if (!slices.length) return '<p>The scored slices contain no lesion: no prediction grid.</p>';
  const out: string[] = [];
  for (const g of r.groups) {
    const run = r.runs.find((x) => x.group === g.group && input.sweeps.has(x.runId));
    const sw = run ? input.sweeps.get(run.runId) : undefined;
    if (!run || !sw) continue;
    // The same slices for every run, matched by case and index (one seed may split differently).
    const idx = slices
      .map((i) => first.record.slices[i])
      .map((s) => sw.record.slices.findIndex((t) => t.caseId === s.caseId && t.index === s.index));
    const rows = idx.every((i) => i >= 0) ? idx : pickSlices(sw.record, cfg.report.gridSlices);
    const scale = Math.max(1, Math.round(96 / sw.images.size));
    const img = renderGrid({ record: sw.record, images: sw.images, slices: rows, levels: shown, scale });
    const dice = shown.map((lv) => {
      const l = sw.record.levels.find((x) => x.sparsity === lv);
      return l ? rows.map((i) => f(l.perSlice[i]?.dice, 2)).join('/') : '–';
    });
    out.push(`<figure><h3>${esc(run.label)} (seed ${run.seed})</h3>
<img src="${img.dataUri}" width="${img.width}" height="${img.height}" alt="Predictions of ${esc(run.label)}: rows are slices, columns the input then ${shown.map(pct).join(', ')} ${esc(quantity)}">
<figcaption>Columns: input (${sw.images.channel === FLAIR_CHANNEL ? 'FLAIR channel' : `channel ${sw.images.channel}`}) with the true outline, then ${shown.map(pct).join(', ')} ${esc(quantity)}. Slice Dice per column (rows top to bottom): ${dice.map((d, i) => `${pct(shown[i])}: ${d}`).join('; ')}.</figcaption></figure>`);
  }
  return `<p class="legend">Overlay:<span style="background:${rgb(GRID_COLOURS.TP)}"></span>true positive<span style="background:${rgb(GRID_COLOURS.FP)}"></span>false positive<span style="background:${rgb(GRID_COLOURS.FN)}"></span>false negative (missed lesion; in the first column: the true outline)</p><div class="grid">${out.join('')}</div>`;
}

/** Where the pruning takes the weights from: per-layer share pruned (zeroed, or removed with channels) at the first headline level. */
function layerTable(input: ReportInput): string {
  const r = input.results;
  const level = r.experiment.config.report.headlineLevels.find((l) => r.experiment.config.sweep.levels.includes(l));
  if (level === undefined) return '';
  const cols = r.groups.flatMap((g) => {
    const run = r.runs.find((x) => x.group === g.group && input.sweeps.has(x.runId));
    const lv = run ? input.sweeps.get(run.runId)!.record.levels.find((l) => l.sparsity === level) : undefined;
    return lv ? [{ label: g.label, layers: lv.perLayer }] : [];
  });
  if (!cols.length) return '';
  const rows = cols[0].layers.map(
    (l, i) =>
      `<tr><td>${esc(l.name)}</td><td>${l.total.toLocaleString('en')}</td>${cols.map((c) => `<td>${c.layers[i] ? (c.layers[i].pruned ? pct(c.layers[i].sparsity) : 'kept dense') : '–'}</td>`).join('')}</tr>`,
  );
  const sw = r.experiment.config.sweep;
  const note =
    sw.family === 'channel'
      ? 'Every channel-prunable conv loses the same share of its output channels (and the next layer the matching inputs); residual-add convs, the stem and the head stay dense.'
      : sw.scope === 'global'
        ? 'One global magnitude threshold takes most of its zeros from the large, deep layers, whose weights are smallest at initialisation.'
        : 'Layerwise pruning: each pruned layer has its own threshold and reaches the level on its own.';
  return `<h3>Per-layer ${sw.family === 'channel' ? 'share of the kernel removed' : 'sparsity'} at ${esc(levelInWords(level, sw))}</h3>
<table><tr><th>layer (kernel)</th><th>weights</th>${cols.map((c) => `<th>${esc(c.label)}</th>`).join('')}</tr>${rows.join('')}</table>
<p class="small">${note}</p>`;
}

/** Cells of the plan that are not in any number of the report: said before the findings. */
function missingHtml(r: Results): string {
  if (!r.missing.length) return '';
  const rows = r.missing.map(
    (m) => `<li>cell ${m.index} ${esc(m.label)}, seed ${m.seed}: ${esc(m.status)}${m.what ? ` (${esc(m.what)})` : ''}</li>`,
  );
  return `<div class="warn"><b>Partial results: ${r.missing.length} of ${r.missing.length + r.runs.length} planned cell(s) are missing or failed.</b> The figures below use only the finished cells.<ul>${rows.join('')}</ul></div>\n`;
}

/** Runs taken from another experiment (`--reuse-runs`) were trained there: the train stage does not count them. */
function reusedHtml(r: Results): string {
  const reused = r.runs.filter((x) => x.reusedFrom);
  if (reused.length === 0) return '';
  const folders = [...new Set(reused.map((x) => path.dirname(path.dirname(x.reusedFrom!))))];
  return `<p class="small">${reused.length} of ${r.runs.length} run(s) were not trained in this experiment: they are the runs of ${folders.map(esc).join(', ')} with the same training config, swept here (their training times are those of that experiment).</p>
`;
}

function stagesHtml(r: Results): string {
  const rows = r.stages.map(
    (s) =>
      `<tr><td>${s.stage}</td><td>${esc(s.backend)}</td><td>${formatSeconds(s.seconds)}</td><td>${s.cellsAtOnce ?? '–'}</td><td>${s.cellSeconds === undefined ? '–' : formatSeconds(s.cellSeconds)}</td></tr>`,
  );
  return `<table><tr><th>stage</th><th>backend</th><th>wall time</th><th>cells at once (most)</th><th>sum of the cells' times</th></tr>${rows.join('')}<tr><td>total</td><td></td><td>${formatSeconds(r.totalSeconds)}</td><td></td><td></td></tr></table>
<p class="small">Each cell (one method, λ and seed) trains and is then swept on its own; cells run in parallel processes or cluster tasks. A stage's wall time runs from the first cell entering it to the last one leaving it.</p>
${reusedHtml(r)}<p class="small">Machine: ${r.host.cpus} logical CPUs, ${esc(r.host.platform)}, Node ${esc(r.host.node)}; load average at the end ${r.host.loadAverage.join(' / ')} (1/5/15 min). Timings depend on the load: this machine may have been shared. Backend: ${esc(backendLabel(r.backend))} (${esc(r.backend.detail)}).</p>`;
}

function setupHtml(r: Results): string {
  const c = r.experiment.config;
  const m = c.model;
  const data =
    c.data.kind === 'phantoms'
      ? `built-in FLAIR-like phantoms: ${c.data.count} cases × ${c.data.slicesPerCase} slices, generated at ${c.data.size} px (seed ${c.data.seed})`
      : `dataset at ${esc(c.data.path)}`;
  const sw = c.sweep;
  return `<ul>
<li>Data: ${data}; split by patient ${c.split.train}/${c.split.val}/${c.split.test} (train/val/test) with data seed ${c.dataSeed}, the same patients for every run and seed. Settings were chosen on the validation split; the sweep scores the <b>${esc(sw.split)}</b> split.</li>
<li>Model: ${esc(m.preset ?? m.encoder)} (encoder ${esc(m.encoder)}), width ×${m.widthMultiplier}, input ${m.inputSize}×${m.inputSize}×${m.inChannels}.</li>
<li>Training: ${c.epochs} epochs, batch ${c.batchSize}, lr ${c.optimizer.lr} (${esc(c.schedule.kind)} schedule), momentum ${c.optimizer.momentum}, weight decay ${c.optimizer.weightDecay}${c.methods.some((x) => x !== 'sgd') ? `, SAM/CrAM ρ ${c.optimizer.rho}, CrAM sparsities ${c.optimizer.cramSparsities.join(', ')}, ${esc(ASCENT_LABELS[c.optimizer.ascent])}` : ''}; augmentation ${c.augment ? 'flips, rotation, scale' : 'off'}. Methods ${c.methods.join(', ')}; VAR λ ${c.varLambdas.map(formatLambda).join(', ')}; seeds ${c.seeds.join(', ')}.</li>
<li>VAR: λ·ψ(w), ψ = Σ<sub>layers</sub> 1/(Var(√(w²+r)) + ε) over every conv kernel (rank &gt; 1); biases and BatchNorm are not regularised.</li>
<li>Pruning: one shot, ${sw.family === 'channel' ? `channel pruning (whole conv output channels removed, ranked by ${sw.channelCriterion === 'bn-gamma' ? 'BatchNorm |gamma|' : `filter ${sw.channelCriterion.toUpperCase()} norm`}; a level is the share of the conv ${sw.channelTarget === 'flops' ? 'FLOPs' : 'weights'} removed; residual-add channels, the stem and the head stay dense) and the network rebuilt smaller` : `${esc(sw.scope)} magnitude pruning of all conv kernels${sw.keepFirstLast ? ' except the first and the last (kept dense)' : ' including the first and the last'}`}; BatchNorm statistics ${sw.bnReestimate ? `re-estimated on ${sw.bnReestimate.batches}×${sw.bnReestimate.batchSize} training slices after pruning` : 'kept as trained (no re-estimation)'}; no fine-tuning. Scored with ${sw.scorer === 'onnx' ? 'onnxruntime-node on each pruned copy exported to ONNX' : 'TensorFlow.js'}, threshold ${sw.threshold}.</li>
<li>Metrics (one scoring module for the studio): the headline is per-case Dice, each patient's slices scored as one volume, averaged over the cases with a lesion. A case or slice whose true mask is empty has no Dice; it counts in the false-positive rate on lesion-free slices and cases. Secondary: lesion-slice Dice, per-case IoU, HD95 per case by MedPy's pooled definition and by MONAI's max of the directed 95th percentiles.</li>
</ul>`;
}

export function renderReport(input: ReportInput): string {
  const r = input.results;
  const c = r.experiment.config;
  const [lossChart, valChart] = trainingCharts(r.groups, r.runs);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>VAR Studio report: ${esc(c.name)}</title>
<style>${CSS}</style></head>
<body><main>
<h1>VAR Studio report: ${esc(c.name)}</h1>
<p class="sub">${esc(c.description)}<br>Status <b>${esc(r.status)}</b> · finished ${esc(r.finishedAt)} · backend <b>${esc(backendLabel(r.backend))}</b> · ${r.runs.length} run(s) · total ${formatSeconds(r.totalSeconds)}</p>
<div class="warn"><b>Not for diagnostic use.</b> Research software trained here on synthetic phantoms; no figure in this report says anything about patients.</div>
${missingHtml(r)}<h2>Finding</h2>
${findingsHtml(r)}
${comparisonTable(r)}
<h2>Dice versus ${esc(levelQuantity(c.sweep))}</h2>
<div class="charts">${diceChart(r.groups, r)}</div>
${diceTable(r)}
<div class="charts">${lesionDiceChart(r.groups, r)}${histogramChart(r.groups, r.runs, input.records)}</div>
<h2>Predictions</h2>
${gridsHtml(input)}
<h2>Runs</h2>
${runTable(r)}
<p class="small">Weight statistics over all conv kernels after the last epoch. VAR is meant to widen each layer's distribution and push small weights to zero, so that magnitude pruning removes weights that matter less.</p>
<div class="charts">${lossChart}${valChart}</div>
${layerTable(input)}
<h2>Setup</h2>
${setupHtml(r)}
<h2>Timings</h2>
${stagesHtml(r)}
<h2>All rows</h2>
${detailTable(r)}
<p class="small">The same numbers are in results.json next to this file. Generated by VAR Studio.</p>
</main></body></html>
`;
}

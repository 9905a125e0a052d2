/**
 * THE words for a sweep level's device measurements (CLI table, Sweep view's family chart), so
 * both say the same thing, and a speed-up inside the timing noise is called so by the export's
 * rule (speedText) rather than printed as if it were a gain.
 */
import { formatBytes } from '../export/markdown';
import { speedText } from '../export/verdict';
import type { LevelMeasured } from './result';

export function measuredText(m: LevelMeasured): string {
  const size = `fp32 ONNX file ${formatBytes(m.fileBytes)}, gzip ${formatBytes(m.gzipBytes)}`;
  const t = m.latency;
  if (!t) return `${size}; latency not measured`;
  const speed = speedText(t.speedup, { q25Ms: t.q25Ms, q75Ms: t.q75Ms, runs: t.runs }, { q25Ms: t.dense.q25Ms, q75Ms: t.dense.q75Ms });
  return `${size}; ${t.medianMs.toFixed(2)} ms median in ${t.runtime}, dense ${t.dense.medianMs.toFixed(2)} ms in the same ${t.runs} rounds: ${speed}`;
}

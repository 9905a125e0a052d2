/** The size report of each export, and the measured Dice of the exported file when there is one. */
import { baselineText, formatBytes, latencyText } from '../../../shared/export/markdown';
import type { ArtifactCheck, SizeReportData } from '../../../shared/export/schemas';

export interface ReportRow {
  format: string;
  weights: string;
  dir: string;
  size: SizeReportData;
  check?: ArtifactCheck;
}

const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
const signed = (v: number | null) => (v === null ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`);
const fixed = (v: number | null) => (v === null ? '–' : v.toFixed(4));

export function SizeReport({ rows, measured }: { rows: ReportRow[]; measured: boolean }) {
  if (!rows.length) return null;
  return (
    <section className="box" aria-labelledby="export-report-title">
      <h3 id="export-report-title" className="box__title">
        {measured ? 'Size report and measured quality' : 'Size estimate (nothing written yet)'}
      </h3>
      <div className="export-report__scroll">
        <table className="export-table figures-table" data-testid="size-report">
          <thead>
            <tr>
              <th scope="col">export</th>
              <th scope="col">dense bytes</th>
              <th scope="col">file bytes</th>
              <th scope="col">gzip bytes</th>
              <th scope="col">quantized bytes</th>
              <th scope="col">non-zeros</th>
              <th scope="col">latency (own runtime)</th>
              <th scope="col">peak memory</th>
              {measured && <th scope="col">Per-case Dice exported</th>}
              {measured && <th scope="col">Per-case Dice float32</th>}
              {measured && <th scope="col">Δ per-case Dice</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.format}-${r.weights}`}>
                <th scope="row" title={r.dir}>
                  {r.format} {r.weights}
                </th>
                <td title={`${r.size.denseBytes} bytes`}>{formatBytes(r.size.denseBytes)}</td>
                <td title={`${r.size.fileBytes} bytes`}>{formatBytes(r.size.fileBytes)}</td>
                <td title={`${r.size.gzipBytes} bytes`}>
                  {formatBytes(r.size.gzipBytes)}{' '}
                  <span className="export-muted export-sub">{ratio(r.size.fileBytes, r.size.gzipBytes)} smaller</span>
                </td>
                <td title={`${r.size.quantizedBytes} bytes`}>{formatBytes(r.size.quantizedBytes)}</td>
                <td>
                  {r.size.nonZero.toLocaleString('en-US')}{' '}
                  <span className="export-muted export-sub">of {r.size.parameters.toLocaleString('en-US')}</span>
                </td>
                <td
                  title={
                    r.size.latency
                      ? `${latencyText(r.size.latency)}; min ${r.size.latency.minMs.toFixed(3)} ms, max ${r.size.latency.maxMs.toFixed(3)} ms`
                      : undefined
                  }
                >
                  {r.size.latency ? (
                    <>
                      {r.size.latency.medianMs.toFixed(3)} ms{' '}
                      <span className="export-muted export-sub">
                        {r.size.latency.runtime === 'tfjs'
                          ? `tfjs ${r.size.latency.backend ?? ''}`
                          : r.size.latency.runtime === 'litert.js'
                            ? 'LiteRT.js'
                            : 'onnxruntime'}
                      </span>
                    </>
                  ) : (
                    '–'
                  )}
                </td>
                <td title={r.size.latency?.memory}>
                  {r.size.latency?.peakBytes == null ? (
                    <span className="export-muted">not reported</span>
                  ) : (
                    formatBytes(r.size.latency.peakBytes)
                  )}
                </td>
                {measured && r.check && <td>{fixed(r.check.score.caseDice.mean)}</td>}
                {measured && r.check && <td>{fixed(r.check.reference.caseDice.mean)}</td>}
                {measured && r.check && (
                  <td
                    title={`max |Δp| ${r.check.maxAbsProbDiff.toExponential(2)}, ${(100 * r.check.maskDisagreement).toFixed(3)} % of pixels change mask (${r.check.runtime})`}
                  >
                    {signed(r.check.deltaDice)}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.some((r) => r.size.verdict) && (
        <ul className="export-verdicts" data-testid="export-verdicts" aria-label="Verdicts">
          {rows.map((r) =>
            r.size.verdict ? (
              <li key={`${r.format}-${r.weights}`} title={baselineText(r.size.verdict.baseline)}>
                <strong>
                  {r.format} {r.weights}:
                </strong>{' '}
                {r.size.verdict.line}
              </li>
            ) : null,
          )}
        </ul>
      )}
      <p className="export-statement" role="note">
        {rows[0].size.statement} Latency: each file loaded back in its own runtime (ONNX in onnxruntime-node,{' '}
        {rows[0].size.latency?.threads ?? 1} thread; TensorFlow.js in tfjs; TFLite in LiteRT.js, 1 thread) on this machine, batch 1;
        verdicts compare with the dense float32 model measured the same way in the same run.
      </p>
    </section>
  );
}

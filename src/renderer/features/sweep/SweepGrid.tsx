import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type WheelEvent } from 'react';
import { confusionOverlay, decodeMask } from '../../../shared/metrics';
import { base64ToBytes } from '../../../shared/base64';
import type { SweepImages, SweepRecord } from '../../../shared/sweep/result';
import { composeCell, OUTLINE_COLOURS, OVERLAY_COLOURS, paint, strokeMask, type DisplayWindow } from './draw';
import { num, pct } from './model';

const CASES_PER_PAGE = 6;
/** Cells shrink to fit the levels into the width, down to this; below it the grid scrolls. */
const CELL_MIN_PX = 84;
const CELL_MAX_PX = 160;
/** The case column: wide enough to read an id on one line. */
const CASE_COL_PX = 150;
const BIG_PX = 480;

interface CellRef {
  caseId: string;
  /** Position of the slice in record.slices (= in every level's perSlice). */
  slot: number;
  level: number;
}

export interface GridFocus {
  caseId: string;
  index: number;
  /** Changes on every request, so picking the same slice twice still scrolls to it. */
  nonce: number;
}

/** Cases as rows, levels as columns; slice, window and zoom are shared by every cell. */
export function SweepGrid({ record, images, focus }: { record: SweepRecord; images: SweepImages; focus?: GridFocus }) {
  const size = images.size;
  const cases = useMemo(() => {
    const by = new Map<string, number[]>();
    record.slices.forEach((s, slot) => by.set(s.caseId, [...(by.get(s.caseId) ?? []), slot]));
    for (const slots of by.values()) slots.sort((a, b) => record.slices[a].index - record.slices[b].index);
    return [...by.entries()].map(([caseId, slots]) => ({ caseId, slots }));
  }, [record]);
  // Decoded once per slot: cells repaint only when their inputs change, not on every render.
  const pixels = useMemo(() => {
    const m = new Map(images.slices.map((s) => [`${s.caseId}/${s.index}`, s.image] as const));
    const decoded = new Map<number, Uint8Array>();
    return (slot: number) => {
      let px = decoded.get(slot);
      if (!px) {
        const s = record.slices[slot];
        const b64 = m.get(`${s.caseId}/${s.index}`);
        px = (b64 ? base64ToBytes(b64) : null) ?? new Uint8Array(size * size);
        decoded.set(slot, px);
      }
      return px;
    };
  }, [images, record, size]);

  const maxSlices = Math.max(1, ...cases.map((c) => c.slots.length));
  const [slice, setSlice] = useState(0);
  const [page, setPage] = useState(0);
  const [win, setWin] = useState<DisplayWindow>({ center: 128, width: 256 });
  const [zoom, setZoom] = useState(1);
  const [alpha, setAlpha] = useState(0.55);
  const [big, setBig] = useState<CellRef | undefined>();
  const [outlines, setOutlines] = useState(true);
  // Fit the levels into the width of the grid when they can be read at CELL_MIN_PX; else scroll.
  const scroller = useRef<HTMLDivElement>(null);
  const [cellPx, setCellPx] = useState(120);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const fit = () => {
      const levels = Math.max(1, record.levels.length);
      const px = Math.floor((el.clientWidth - CASE_COL_PX - 4 * (levels + 2)) / levels) - 2;
      setCellPx(Math.max(CELL_MIN_PX, Math.min(CELL_MAX_PX, px)));
    };
    fit();
    const ro = new ResizeObserver(fit);
    ro.observe(el);
    return () => ro.disconnect();
  }, [record.levels.length]);
  const pages = Math.max(1, Math.ceil(cases.length / CASES_PER_PAGE));

  useEffect(() => {
    if (!focus) return;
    const ci = cases.findIndex((c) => c.caseId === focus.caseId);
    if (ci < 0) return;
    setPage(Math.floor(ci / CASES_PER_PAGE));
    const pos = cases[ci].slots.findIndex((slot) => record.slices[slot].index === focus.index);
    if (pos >= 0) setSlice(pos);
  }, [focus, cases, record]);

  const shown = cases.slice(page * CASES_PER_PAGE, (page + 1) * CASES_PER_PAGE);
  const slotOf = (c: { slots: number[] }) => c.slots[Math.min(slice, c.slots.length - 1)];
  const step = (d: number) => setSlice((s) => Math.max(0, Math.min(maxSlices - 1, s + d)));
  const onWheel = (e: WheelEvent) => {
    if (e.deltaY !== 0) step(e.deltaY > 0 ? 1 : -1);
  };
  // Viewer keys while the grid has focus: arrows = slice, +/- = zoom, 0 = reset window and zoom.
  const onKey = (e: KeyboardEvent) => {
    const k = e.key;
    if (k === 'ArrowDown' || k === 'ArrowRight' || k === 'PageDown') step(1);
    else if (k === 'ArrowUp' || k === 'ArrowLeft' || k === 'PageUp') step(-1);
    else if (k === '+' || k === '=') setZoom((z) => Math.min(4, z + 0.25));
    else if (k === '-') setZoom((z) => Math.max(1, z - 0.25));
    else if (k === '0') {
      setWin({ center: 128, width: 256 });
      setZoom(1);
    } else return;
    e.preventDefault();
  };

  return (
    <section className="sweep-grid" aria-labelledby="sweep-grid-title">
      <div className="sweep-grid__head">
        <h3 id="sweep-grid-title" className="box__title">
          Prediction against truth
        </h3>
        <Legend />
      </div>
      <div className="sweep-grid__controls">
        <label>
          Slice position {slice + 1}/{maxSlices}
          <input
            type="range"
            min={0}
            max={maxSlices - 1}
            value={slice}
            onChange={(e) => setSlice(Number(e.target.value))}
            aria-label="Slice (synced across the grid)"
          />
        </label>
        <label>
          Window centre
          <input
            type="range"
            min={0}
            max={255}
            value={win.center}
            onChange={(e) => setWin({ ...win, center: Number(e.target.value) })}
            aria-label="Window centre"
          />
        </label>
        <label>
          Window width
          <input
            type="range"
            min={8}
            max={512}
            value={win.width}
            onChange={(e) => setWin({ ...win, width: Number(e.target.value) })}
            aria-label="Window width"
          />
        </label>
        <label>
          Zoom {zoom.toFixed(1)}×
          <input
            type="range"
            min={1}
            max={4}
            step={0.25}
            value={zoom}
            onChange={(e) => setZoom(Number(e.target.value))}
            aria-label="Zoom"
          />
        </label>
        <label>
          Overlay
          <input
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={alpha}
            onChange={(e) => setAlpha(Number(e.target.value))}
            aria-label="Overlay opacity"
          />
        </label>
        <button
          type="button"
          onClick={() => {
            setWin({ center: 128, width: 256 });
            setZoom(1);
          }}
        >
          Reset view
        </button>
        {pages > 1 && (
          <span className="sweep-grid__pager">
            <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)} aria-label="Previous cases">
              ‹
            </button>
            Cases {page * CASES_PER_PAGE + 1}–{Math.min(cases.length, (page + 1) * CASES_PER_PAGE)} of {cases.length}
            <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)} aria-label="Next cases">
              ›
            </button>
          </span>
        )}
      </div>
      <div
        ref={scroller}
        className="sweep-grid__scroll"
        onWheel={onWheel}
        onKeyDown={onKey}
        tabIndex={0}
        role="group"
        aria-label="Grid of cases and levels: arrow keys or the mouse wheel change the slice, + and - zoom, 0 resets"
      >
        <table className="sweep-grid__table" data-testid="sweep-grid" data-rows={shown.length} data-levels={record.levels.length}>
          <thead>
            <tr>
              <th scope="col">Case</th>
              {record.levels.map((l) => (
                <th scope="col" key={l.sparsity}>
                  {pct(l.sparsity, 0)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => {
              const slot = slotOf(c);
              return (
                <tr key={c.caseId}>
                  <th scope="row" title={c.caseId}>
                    <span className="sweep-grid__case">{c.caseId}</span>
                    <div className="sweep-muted">slice {record.slices[slot].index + 1}</div>
                  </th>
                  {record.levels.map((_, li) => (
                    <td key={li}>
                      <Cell
                        record={record}
                        slot={slot}
                        level={li}
                        image={pixels(slot)}
                        size={size}
                        win={win}
                        zoom={zoom}
                        alpha={alpha}
                        px={cellPx}
                        onOpen={() => setBig({ caseId: c.caseId, slot, level: li })}
                      />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {big && (
        <div
          className="sweep-modal"
          role="dialog"
          aria-modal="true"
          aria-label={`Case ${big.caseId}, level ${pct(record.levels[big.level].sparsity, 0)}`}
          onKeyDown={(e) => e.key === 'Escape' && setBig(undefined)}
          onClick={(e) => e.target === e.currentTarget && setBig(undefined)}
        >
          <div className="sweep-modal__body">
            <div className="sweep-modal__head">
              <strong>
                {big.caseId} · slice {record.slices[big.slot].index + 1} · {pct(record.levels[big.level].sparsity, 0)} sparsity
              </strong>
              <label className="sweep-modal__toggle">
                <input type="checkbox" checked={outlines} onChange={(e) => setOutlines(e.target.checked)} /> Outlines
              </label>
              <button type="button" autoFocus onClick={() => setBig(undefined)} aria-label="Close the enlarged cell">
                ✕
              </button>
            </div>
            <Cell
              record={record}
              slot={big.slot}
              level={big.level}
              image={pixels(big.slot)}
              size={size}
              win={win}
              zoom={zoom}
              alpha={alpha}
              px={BIG_PX}
              outlines={outlines}
            />
            <Legend outlines={outlines} />
          </div>
        </div>
      )}
    </section>
  );
}

function Legend({ outlines = false }: { outlines?: boolean }) {
  const sw = (k: keyof typeof OVERLAY_COLOURS) => `rgb(${OVERLAY_COLOURS[k].join(',')})`;
  return (
    <ul className="sweep-legend" aria-label="Overlay colours">
      <li>
        <span className="sweep-legend__swatch" style={{ background: sw('TP') }} aria-hidden="true" />
        True positive
      </li>
      <li>
        <span className="sweep-legend__swatch" style={{ background: sw('FP') }} aria-hidden="true" />
        False positive
      </li>
      <li>
        <span className="sweep-legend__swatch" style={{ background: sw('FN') }} aria-hidden="true" />
        False negative (miss)
      </li>
      {outlines && (
        <>
          <li>
            <span className="sweep-legend__line" style={{ borderColor: OUTLINE_COLOURS.truth }} aria-hidden="true" />
            True outline
          </li>
          <li>
            <span
              className="sweep-legend__line sweep-legend__line--dashed"
              style={{ borderColor: OUTLINE_COLOURS.pred }}
              aria-hidden="true"
            />
            Predicted outline
          </li>
        </>
      )}
    </ul>
  );
}

interface CellProps {
  record: SweepRecord;
  slot: number;
  level: number;
  image: Uint8Array;
  size: number;
  win: DisplayWindow;
  zoom: number;
  alpha: number;
  px: number;
  onOpen?: () => void;
  /** Draw the true (solid) and predicted (dashed) outlines over the cell. */
  outlines?: boolean;
}

function Cell({ record, slot, level, image, size, win, zoom, alpha, px, onOpen, outlines = false }: CellProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const score = record.levels[level].perSlice[slot];
  const masks = useMemo(() => {
    const n = size * size;
    const pred = decodeMask(score.pred, n);
    const truth = decodeMask(record.slices[slot].truth, n);
    return { pred, truth, overlay: confusionOverlay(pred, truth) };
  }, [score, record, slot, size]);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    paint(c, composeCell(image, masks.overlay, win, alpha), size, zoom);
    if (outlines) {
      strokeMask(c, masks.truth, size, zoom, OUTLINE_COLOURS.truth, false);
      strokeMask(c, masks.pred, size, zoom, OUTLINE_COLOURS.pred, true);
    }
  }, [image, masks, win, alpha, size, zoom, outlines, px]);
  // A lesion-free slice has no Dice (the scoring policy); it shows whether anything was predicted.
  const value = score.lesion ? num(score.dice, 2) : score.fpPixels > 0 ? 'FP' : '–';
  const label = `Case ${score.caseId} slice ${score.index + 1} at ${pct(record.levels[level].sparsity, 0)}: ${score.lesion ? `slice Dice ${num(score.dice, 2)}` : `no lesion, ${score.fpPixels} pixels predicted`}`;
  const body = (
    <>
      <canvas ref={canvas} width={px} height={px} className="sweep-cell__canvas" />
      <span className="sweep-cell__dice">{value}</span>
    </>
  );
  return onOpen ? (
    <button type="button" className="sweep-cell" data-testid="sweep-cell" onClick={onOpen} aria-label={`${label}. Enlarge`} title={label}>
      {body}
    </button>
  ) : (
    <div
      className="sweep-cell sweep-cell--big"
      role="img"
      aria-label={label}
      data-testid="sweep-cell-big"
      data-outlines={outlines || undefined}
    >
      {body}
    </div>
  );
}

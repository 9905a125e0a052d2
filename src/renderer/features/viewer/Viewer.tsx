/**
 * The scan viewer of the Data view: toolbar (channel, window presets, mask toggle and opacity,
 * reset), the cornerstone viewport, the slice slider and the metadata panel.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CaseInfo } from '../../../shared/data/types';
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';
import { sliceImageId } from './imageId';
import { SliceViewport, type ViewportController, type ViewportState } from './SliceViewport';
import { presetForKey, WINDOW_PRESETS } from './presets';
import { MetadataPanel } from './MetadataPanel';
import './viewer.css';

const LGG_CHANNELS = ['Pre-contrast', 'FLAIR', 'Post-contrast'];

export function channelNames(dataset: OpenedDataset, channels: number): string[] {
  if ((dataset.format === 'phantom' || dataset.format === 'lgg') && channels === 3) return LGG_CHANNELS;
  return Array.from({ length: channels }, (_, i) => (channels === 1 ? 'Intensity' : `Channel ${i + 1}`));
}

export function defaultChannel(dataset: OpenedDataset, channels: number): number {
  return (dataset.format === 'phantom' || dataset.format === 'lgg') && channels === 3 ? 1 : 0;
}

const NAV_KEYS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'PageUp', 'PageDown', 'Home', 'End']);

/** Keys that the focused control needs for itself: typing in fields, arrows on sliders and selects. */
function ownedByControl(e: KeyboardEvent): boolean {
  const el = e.target as HTMLElement | null;
  if (!el) return false;
  if (el.isContentEditable || el.tagName === 'TEXTAREA') return true;
  if (el.tagName === 'SELECT') return NAV_KEYS.has(e.key);
  if (el.tagName === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    return type === 'range' || type === 'checkbox' || type === 'radio' ? NAV_KEYS.has(e.key) : true;
  }
  return false;
}

export interface ViewerProps {
  dataset: OpenedDataset;
  caseInfo: CaseInfo;
  index: number;
  channel: number;
  onIndex(index: number): void;
  onChannel(channel: number): void;
  onStepCase(step: number): void;
  onError(e: unknown): void;
  /** False while a dialog is open: keys belong to it. */
  keysActive: boolean;
}

export function Viewer({ dataset, caseInfo, index, channel, onIndex, onChannel, onStepCase, onError, keysActive }: ViewerProps) {
  const [showMask, setShowMask] = useState(true);
  const [opacity, setOpacity] = useState(0.45);
  const [state, setState] = useState<ViewportState | undefined>();
  const controller = useRef<ViewportController>(null);
  const count = caseInfo.sliceCount;
  const names = channelNames(dataset, caseInfo.channels);

  const ref = useCallback((i: number) => sliceImageId({ datasetId: dataset.id, caseId: caseInfo.id, index: i, channel }), [dataset.id, caseInfo.id, channel]);
  const imageId = ref(index);
  const prefetch = useMemo(() => [index + 1, index - 1, index + 2].filter((i) => i >= 0 && i < count).map(ref), [index, count, ref]);
  const go = useCallback((i: number) => onIndex(Math.max(0, Math.min(count - 1, i))), [count, onIndex]);

  const applyPreset = useCallback((id: string) => {
    const p = WINDOW_PRESETS.find((x) => x.id === id);
    const info = controller.current?.info();
    if (p && info) controller.current?.setWindow(p.compute(info));
  }, []);

  useEffect(() => {
    if (!keysActive) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || ownedByControl(e)) return;
      const page = Math.max(1, Math.round(count / 10));
      const actions: Record<string, () => void> = {
        ArrowUp: () => go(index - 1),
        ArrowDown: () => go(index + 1),
        PageUp: () => go(index - page),
        PageDown: () => go(index + page),
        Home: () => go(0),
        End: () => go(count - 1),
        m: () => setShowMask((v) => !v),
        r: () => controller.current?.reset(),
        c: () => onChannel((channel + 1) % caseInfo.channels),
        '[': () => onStepCase(-1),
        ']': () => onStepCase(1),
      };
      const preset = presetForKey(e.key);
      const action = actions[e.key] ?? (preset ? () => applyPreset(preset.id) : undefined);
      if (!action) return;
      e.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [keysActive, index, count, go, channel, caseInfo.channels, onChannel, onStepCase, applyPreset]);

  return (
    <section className="viewer" aria-label="Scan viewer">
      <div className="viewer__toolbar" role="toolbar" aria-label="Viewer controls">
        {caseInfo.channels > 1 && (
          <label className="viewer__field">
            <span>Channel</span>
            <select aria-label="Channel" value={channel} onChange={(e) => onChannel(Number(e.target.value))}>
              {names.map((n, i) => (
                <option key={n} value={i}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        )}
        <div className="viewer__group" role="group" aria-label="Window presets">
          {WINDOW_PRESETS.map((p) => (
            <button key={p.id} type="button" className="tool-button" aria-label={`Window preset ${p.label} (key ${p.key})`} aria-keyshortcuts={p.key} title={`${p.label} — ${p.key}`} onClick={() => applyPreset(p.id)}>
              {p.label} <kbd aria-hidden="true">{p.key}</kbd>
            </button>
          ))}
        </div>
        <div className="viewer__group" role="group" aria-label="Mask overlay">
          <button
            type="button"
            className="tool-button"
            aria-pressed={showMask && caseInfo.hasMask}
            aria-label="Show mask overlay (key m)"
            aria-keyshortcuts="m"
            disabled={!caseInfo.hasMask}
            onClick={() => setShowMask((v) => !v)}
          >
            Mask <kbd aria-hidden="true">m</kbd>
          </button>
          <label className="viewer__field">
            <span>Opacity</span>
            <input type="range" min={0} max={1} step={0.05} value={opacity} aria-label="Mask opacity" disabled={!showMask || !caseInfo.hasMask} onChange={(e) => setOpacity(Number(e.target.value))} />
          </label>
        </div>
        <button type="button" className="tool-button" aria-label="Reset window, zoom and pan (key r)" aria-keyshortcuts="r" onClick={() => controller.current?.reset()}>
          Reset <kbd aria-hidden="true">r</kbd>
        </button>
      </div>

      <div className="viewer__body">
        <div className="viewer__stage">
          <SliceViewport
            imageId={imageId}
            prefetch={prefetch}
            overlay={{ visible: showMask, opacity }}
            resetKey={`${dataset.id}|${caseInfo.id}|${channel}`}
            label={`Slice ${index + 1} of ${count}, case ${caseInfo.id}, ${names[channel] ?? ''}`}
            controller={controller}
            onWheelSlice={(s) => go(index + s)}
            onRendered={setState}
            onError={onError}
          />
          <div className="viewer__slider">
            <input type="range" min={0} max={Math.max(0, count - 1)} value={index} aria-label="Slice" aria-valuetext={`Slice ${index + 1} of ${count}`} onChange={(e) => go(Number(e.target.value))} />
            <output aria-label="Slice position">
              {index + 1} / {count}
            </output>
          </div>
          <p className="viewer__help">
            Drag: window/level · right or ctrl-drag: zoom · middle or shift-drag: pan · wheel or ↑/↓: slices · [ ]: cases · c: channel
          </p>
        </div>
        <MetadataPanel caseInfo={caseInfo} index={index} channelName={names[channel] ?? `Channel ${channel + 1}`} state={state} />
      </div>
    </section>
  );
}

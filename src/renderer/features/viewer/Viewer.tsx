/**
 * The scan viewer of the Data view: toolbar (channel, window presets, mask toggle and opacity,
 * reset), the cornerstone viewport, the slice slider and the metadata panel.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import type { CaseInfo } from '../../../shared/data/types';
import type { OpenedDataset } from '../../../shared/api/schemas/datasets';
import { sliceImageId } from './imageId';
import { SliceViewport, type ViewportController, type ViewportState } from './SliceViewport';
import { WINDOW_PRESETS } from './presets';
import { keyFor } from '../../hotkeys/bindings';
import { useHotkeys } from '../../hotkeys/HotkeysProvider';
import { MetadataPanel } from './MetadataPanel';
import './viewer.css';
import { isLggLike, LGG_CHANNEL_NAMES } from '../../../shared/data/channels';

export function channelNames(dataset: OpenedDataset, channels: number): string[] {
  if (isLggLike(dataset.format, channels)) return [...LGG_CHANNEL_NAMES];
  if (dataset.choices?.channels?.length === channels) return dataset.choices.channels;
  return Array.from({ length: channels }, (_, i) => (channels === 1 ? 'Intensity' : `Channel ${i + 1}`));
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

  const ref = useCallback(
    (i: number) => sliceImageId({ datasetId: dataset.id, caseId: caseInfo.id, index: i, channel }),
    [dataset.id, caseInfo.id, channel],
  );
  const imageId = ref(index);
  const prefetch = useMemo(() => [index + 1, index - 1, index + 2].filter((i) => i >= 0 && i < count).map(ref), [index, count, ref]);
  const go = useCallback((i: number) => onIndex(Math.max(0, Math.min(count - 1, i))), [count, onIndex]);

  const applyPreset = useCallback((id: string) => {
    const p = WINDOW_PRESETS.find((x) => x.id === id);
    const info = controller.current?.info();
    if (p && info) controller.current?.setWindow(p.compute(info));
  }, []);

  const page = Math.max(1, Math.round(count / 10));
  useHotkeys(
    {
      'viewer.slice.previous': () => go(index - 1),
      'viewer.slice.next': () => go(index + 1),
      'viewer.slice.pageBack': () => go(index - page),
      'viewer.slice.pageForward': () => go(index + page),
      'viewer.slice.first': () => go(0),
      'viewer.slice.last': () => go(count - 1),
      'viewer.mask.toggle': () => setShowMask((v) => !v),
      'viewer.reset': () => controller.current?.reset(),
      'viewer.channel.next': () => onChannel((channel + 1) % caseInfo.channels),
      'viewer.case.previous': () => onStepCase(-1),
      'viewer.case.next': () => onStepCase(1),
      ...Object.fromEntries(WINDOW_PRESETS.map((p) => [p.command, () => applyPreset(p.id)])),
    },
    keysActive,
  );

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
          {WINDOW_PRESETS.map((p) => {
            const key = keyFor(p.command);
            return (
              <button
                key={p.id}
                type="button"
                className="tool-button"
                aria-label={`Window preset ${p.label} (key ${key})`}
                aria-keyshortcuts={key}
                title={`${p.label} — ${key}`}
                onClick={() => applyPreset(p.id)}
              >
                {p.label}{' '}
                <kbd className="key-hint" aria-hidden="true">
                  {key}
                </kbd>
              </button>
            );
          })}
        </div>
        <div className="viewer__group" role="group" aria-label="Mask overlay">
          <button
            type="button"
            className="tool-button"
            aria-pressed={showMask && caseInfo.hasMask}
            aria-label={`Show mask overlay (key ${keyFor('viewer.mask.toggle')})`}
            aria-keyshortcuts={keyFor('viewer.mask.toggle')}
            disabled={!caseInfo.hasMask}
            onClick={() => setShowMask((v) => !v)}
          >
            Mask{' '}
            <kbd className="key-hint" aria-hidden="true">
              {keyFor('viewer.mask.toggle')}
            </kbd>
          </button>
          <label className="viewer__field">
            <span>Opacity</span>
            <input
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={opacity}
              aria-label="Mask opacity"
              disabled={!showMask || !caseInfo.hasMask}
              onChange={(e) => setOpacity(Number(e.target.value))}
            />
          </label>
        </div>
        <button
          type="button"
          className="tool-button"
          aria-label={`Reset window, zoom and pan (key ${keyFor('viewer.reset')})`}
          aria-keyshortcuts={keyFor('viewer.reset')}
          onClick={() => controller.current?.reset()}
        >
          Reset{' '}
          <kbd className="key-hint" aria-hidden="true">
            {keyFor('viewer.reset')}
          </kbd>
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
            <input
              type="range"
              min={0}
              max={Math.max(0, count - 1)}
              value={index}
              aria-label="Slice"
              aria-valuetext={`Slice ${index + 1} of ${count}`}
              onChange={(e) => go(Number(e.target.value))}
            />
            <output aria-label="Slice position">
              {index + 1} / {count}
            </output>
          </div>
          <p className="viewer__help">
            Drag: window/level · right or ctrl-drag: zoom · middle or shift-drag: pan · wheel or ↑/↓: slices · [ ]: cases · c: channel · ?:
            all keys
          </p>
        </div>
        {/* Window, range, mask and source only from the image on screen, never from a previous one. */}
        <MetadataPanel
          caseInfo={caseInfo}
          index={index}
          channelName={names[channel] ?? `Channel ${channel + 1}`}
          state={state?.imageId === imageId ? state : undefined}
        />
      </div>
    </section>
  );
}

/**
 * The Data view: open data (phantoms, folder, files, drag-and-drop), see its format and cases,
 * read the scans in the viewer. Electron uses native dialogs and real paths; browser mode uses the
 * server's folder browser and uploads dropped files.
 */
import { useCallback, useRef, useState, type DragEvent } from 'react';
import { useApi } from '../../api/context';
import { CaseList } from './CaseList';
import { DataChoices } from './DataChoices';
import { requestOf } from './choices';
import { DataEmptyState } from './DataEmptyState';
import { DatasetBar } from './DatasetBar';
import { ErrorBanner } from '../../components/ErrorBanner';
import { FolderBrowser } from './FolderBrowser';
import { readDrop } from './drop';
import { toStudioError } from '../../components/errors';
import { useDataSession } from './useDataSession';
import { Viewer } from '../viewer/Viewer';
import { defaultChannel } from '../../../shared/data/channels';
import './data.css';

export function DataPage() {
  const api = useApi();
  const session = useDataSession();
  const { dataset, selection, setSelection, busy, progress, stage, error, setError } = session;
  const [browsing, setBrowsing] = useState(false);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const native = api.shell === 'electron';

  const openFolder = useCallback(() => (native ? void session.pick('folder') : setBrowsing(true)), [native, session]);
  const openFiles = useCallback(() => (native ? void session.pick('files') : fileInput.current?.click()), [native, session]);

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    try {
      await session.openDropped(await readDrop(e.dataTransfer));
    } catch (err) {
      setError(toStudioError(err));
    }
  };

  const caseIndex = dataset && selection ? dataset.cases.findIndex((c) => c.id === selection.caseId) : -1;
  const caseInfo = caseIndex >= 0 ? dataset!.cases[caseIndex] : undefined;

  const selectCase = useCallback(
    (id: string) => {
      const c = dataset?.cases.find((x) => x.id === id);
      if (!c || !dataset) return;
      const channel = selection && selection.channel < c.channels ? selection.channel : defaultChannel(dataset.format, c.channels);
      setSelection({ caseId: id, index: Math.floor(c.sliceCount / 2), channel });
    },
    [dataset, selection, setSelection],
  );

  const actions = { busy: !!busy, onPhantoms: () => void session.loadPhantoms(), onOpenFolder: openFolder, onOpenFiles: openFiles };

  return (
    <div
      className="data-view"
      data-dragging={dragging || undefined}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={(e) => void onDrop(e)}
    >
      <input
        ref={fileInput}
        type="file"
        multiple
        hidden
        aria-hidden="true"
        tabIndex={-1}
        onChange={(e) => {
          const files = [...(e.target.files ?? [])].map((file) => ({ name: file.name, file }));
          e.target.value = '';
          if (files.length) void session.openDropped({ kind: 'files', files });
        }}
      />
      {error && <ErrorBanner error={error} onDismiss={() => setError(undefined)} />}
      {busy && (
        <div className="data-busy" role="status" aria-label="Data activity">
          <span className="data-busy__spinner" aria-hidden="true" />
          {busy}
          {progress !== undefined && (
            <progress max={1} value={progress} aria-label={session.opening ? 'Data check progress' : 'Upload progress'} />
          )}
          {stage && <span className="data-busy__stage">{stage}</span>}
          {session.opening && (
            <button type="button" className="action-button" onClick={session.cancelOpen}>
              Cancel
            </button>
          )}
        </div>
      )}

      {!dataset || !caseInfo || !selection ? (
        session.restored && <DataEmptyState {...actions} />
      ) : (
        <>
          <DatasetBar dataset={dataset} onClose={() => void session.close()} {...actions} />
          <div className="data-layout">
            <div className="data-side">
              <CaseList cases={dataset.cases} selected={caseInfo.id} onSelect={selectCase} />
              <DataChoices dataset={dataset} busy={!!busy} onApply={(d) => void session.reopen(requestOf(dataset, d))} />
            </div>
            <Viewer
              dataset={dataset}
              caseInfo={caseInfo}
              index={Math.min(selection.index, caseInfo.sliceCount - 1)}
              channel={selection.channel}
              onIndex={(index) => setSelection({ ...selection, index })}
              onChannel={(channel) => setSelection({ ...selection, channel })}
              onStepCase={(step) => {
                const next = dataset.cases[(caseIndex + step + dataset.cases.length) % dataset.cases.length];
                selectCase(next.id);
              }}
              onError={(e) => setError(toStudioError(e))}
              keysActive={!browsing}
            />
          </div>
        </>
      )}

      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop scans to open them{native ? '' : ' (they are uploaded to the studio)'}</div>
        </div>
      )}
      {browsing && (
        <FolderBrowser
          onCancel={() => setBrowsing(false)}
          onOpen={(path) => {
            setBrowsing(false);
            void session.openPaths([path]);
          }}
        />
      )}
    </div>
  );
}

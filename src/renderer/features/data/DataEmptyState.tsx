import { OpenActions, type OpenActionsProps } from './OpenActions';

/** First start: one click to real-looking scans, and what else the studio reads. */
export function DataEmptyState(props: Omit<OpenActionsProps, 'primary'>) {
  return (
    <div className="empty-state data-empty" role="note" aria-label="No dataset loaded">
      <div className="empty-state__icon" aria-hidden="true">
        ▦
      </div>
      <h2>No dataset loaded</h2>
      <div className="empty-state__body">
        <p>Start with the built-in FLAIR-like brain phantoms (3 channels, lesion masks) — no data needed.</p>
        <OpenActions {...props} primary />
        <p className="data-empty__drop" aria-hidden="true">
          …or drop files or a folder anywhere here.
        </p>
        <p>
          Reads DICOM series, NIfTI volumes (<code>.nii</code>, <code>.nii.gz</code>), the LGG <code>kaggle_3m</code> TIFF layout, and PNG
          slices with masks.
        </p>
      </div>
    </div>
  );
}

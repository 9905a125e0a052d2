/**
 * Data types shared by readers, preprocessing, training and the viewer.
 * Names follow ARCHITECTURE.md: case = one patient/volume, slice = one 2-D image of a case,
 * sample = a preprocessed slice ready for the model.
 */

export type DatasetFormat = 'phantom' | 'lgg' | 'dicom' | 'nifti' | 'png' | 'decathlon' | 'brats';

export interface DisplayWindow {
  center: number;
  width: number;
  /** True when computed from percentiles because the file had no usable window. */
  auto: boolean;
}

/** One 2-D image of a case, as decoded (no normalisation). */
export interface Slice {
  caseId: string;
  /** Position in the case after ordering (0-based, inferior -> superior for volumes). */
  index: number;
  width: number;
  height: number;
  channels: number;
  /** H x W x C interleaved, raw intensities after rescale slope/intercept. */
  image: Float32Array;
  /** H x W, values 0/1. Absent when the slice has no mask (inference-only data). */
  mask?: Uint8Array;
  /** H x W integer label values when the mask comes from a label map; `mask` = its lesion labels. */
  labels?: Uint16Array;
  /** [row spacing mm, column spacing mm] when the format records it. */
  spacing?: [number, number];
  sliceThickness?: number;
  /** Direction cosines (LPS): row direction then column direction, for orientation markers. */
  orientation?: number[];
  /** Display window (DICOM centre/width, or automatic 1-99 percentile window). Not applied to `image`. */
  window?: DisplayWindow;
  /** File path, or a generator id such as `phantom:seed=1:case=0:slice=3`. */
  source: string;
  /** Voxels that were NaN or +-Inf in the file; the decoder stored 0 for them. */
  nonFinite?: number;
}

export interface CaseInfo {
  id: string;
  /** Cases of one patient are never split across train/val/test. */
  patientId: string;
  sliceCount: number;
  width: number;
  height: number;
  channels: number;
  spacing?: [number, number];
  sliceThickness?: number;
  /** True when every slice of the case has a mask. */
  hasMask: boolean;
  /** Number of slices whose mask has at least one foreground pixel. */
  lesionSlices: number;
}

export interface Dataset {
  format: DatasetFormat;
  /** Folder or file the dataset was read from; `phantom:<params>` for generated data. */
  root: string;
  /** Stable identity of the content, used as the sample-cache key (format + root + params). */
  id: string;
  cases: CaseInfo[];
  /**
   * Slices of one case in order. Phantoms are held in memory; disk readers decode the case's files
   * on every call (raw slices of a whole data set may not fit in memory), so training goes through
   * `loadSamples`, which caches the preprocessed samples per (dataset id, size, channels).
   */
  slices(caseId: string): Promise<Slice[]>;
  /** What was checked and found while opening (see src/node/data/validate.ts). */
  quality?: DataQuality;
  /** Multi-channel layouts and label maps: the choices made and the ones offered. */
  choices?: DataChoices;
}

/**
 * What a user chooses when a data set has several channels (modalities) or several labels, and
 * what was chosen (src/node/data/layouts.ts). Stored in the run config as `data.channels` / `data.labels`.
 */
export interface DataChoices {
  /** Channel names in the order the model gets them. */
  channels?: string[];
  /** Every channel the layout offers, in its own order. */
  availableChannels?: string[];
  /** Non-zero label values found in the label maps, ascending, named where the layout names them. */
  labels?: { value: number; name?: string }[];
  /** The label values that count as lesion; absent = every non-zero value. */
  lesionLabels?: number[];
}

/**
 * A problem with the content of one file that does not stop it from being read but makes it
 * unfit for training: `non-finite` (NaN/Inf voxels) or `constant` (every voxel of a case's image
 * has the same value, e.g. an all-zero volume).
 */
export interface DataIssue {
  kind: 'non-finite' | 'constant';
  caseId: string;
  file: string;
  /** One sentence for the user, e.g. "12 NaN/Inf voxels (stored as 0)". */
  detail: string;
}

/** A file of an opened folder that was not loaded, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

export interface DataQuality {
  /** `pixels`: every slice was decoded; `headers`: only headers were read (--headers-only). */
  checked: 'pixels' | 'headers';
  issues: DataIssue[];
  skipped: SkippedFile[];
}

/** A preprocessed slice, ready for the model. */
export interface Sample {
  caseId: string;
  index: number;
  /** S x S x C, normalised (percentile clip + z-score per case and channel). */
  image: Float32Array;
  /** S x S, values 0/1 (all zero when the slice had no mask: see `hasMask`). */
  mask: Uint8Array;
  hasMask: boolean;
  spacing?: [number, number];
}

export interface PreprocessOptions {
  /** Output side S (images are S x S). */
  size: number;
  /** Output channels: 1 or 3 (1 from 3 takes FLAIR = channel 1; 3 from 1 replicates). */
  channels: number;
  /** Lower/upper clip percentiles in [0,100]; default 1 and 99. */
  clip?: [number, number];
  /** When true (default) a slice without mask is an error naming the slice. */
  requireMasks?: boolean;
}

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export interface Split {
  train: string[];
  val: string[];
  test: string[];
}

/** Limits applied to every file read from a user. */
export interface ReadLimits {
  /** Largest single file in bytes (after decompression for .gz). Default 1 GiB. */
  maxFileBytes: number;
  /** Largest total of all files of one dataset in bytes. Default 8 GiB. */
  maxTotalBytes: number;
  /** Largest side of one image. Default 8192. */
  maxSide: number;
  /** Largest voxel count of one volume. Default 2^31 - 1. */
  maxVoxels: number;
  /** Largest number of files scanned in one folder tree. Default 200000. */
  maxFiles: number;
  /**
   * Symlinked files are followed only when they point inside the opened folder or one of these
   * folders (real paths); others are skipped, so a link never leads a read out of the data.
   */
  linkRoots?: string[];
}

export const DEFAULT_LIMITS: ReadLimits = {
  maxFileBytes: 1024 ** 3,
  maxTotalBytes: 8 * 1024 ** 3,
  maxSide: 8192,
  maxVoxels: 2 ** 31 - 1,
  maxFiles: 200_000,
};

/** Summary printed by `var-studio inspect` and shown by the app before training. */
export interface DatasetSummary {
  format: DatasetFormat;
  root: string;
  caseCount: number;
  sliceCount: number;
  channels: number[];
  shapes: string[];
  spacing: Array<[number, number]>;
  masks: { withMask: number; withoutMask: number; lesionSlices: number };
  cases: CaseInfo[];
  warnings: string[];
  quality: DataQuality;
  choices?: DataChoices;
}

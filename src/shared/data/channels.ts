/**
 * THE channel rule for LGG-like data: 3-channel phantoms and LGG slices hold pre-contrast, FLAIR and
 * post-contrast, in that order, and FLAIR is where the lesions show. Every place that picks "the"
 * channel to show or to keep (viewer, slice encoding, sweep images, 3 -> 1 channel input) uses it.
 */
import type { DatasetFormat } from './types';

/** The channel names of LGG-like data, in order. */
export const LGG_CHANNEL_NAMES: readonly string[] = ['Pre-contrast', 'FLAIR', 'Post-contrast'];

/** FLAIR's index in LGG-like data. */
export const FLAIR_CHANNEL = 1;

/** Phantom and LGG slices with 3 channels are in the LGG order. */
export function isLggLike(format: DatasetFormat, channels: number): boolean {
  return (format === 'phantom' || format === 'lgg') && channels === 3;
}

/** The channel a dataset's slice is shown in first: FLAIR for LGG-like data, else the first. */
export function defaultChannel(format: DatasetFormat, channels: number): number {
  return isLggLike(format, channels) ? FLAIR_CHANNEL : 0;
}

/**
 * The channel shown of a model input (a sample has 1 or 3 channels; 3 are the LGG order, since a
 * 1-channel scan is replicated, not reordered): FLAIR for 3, else the only one.
 */
export function sampleChannel(channels: number): number {
  return channels >= 3 ? FLAIR_CHANNEL : 0;
}

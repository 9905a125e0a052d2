import { StudioError, type StudioErrorCode } from '../errors.js';

/** Shorthand for the StudioErrors the data layer raises; keeps messages uniform. */
export function fail(code: StudioErrorCode, file: string | undefined, what: string, hint: string): never {
  throw new StudioError({ code, file, what, hint });
}

/** Turns any exception from a third-party decoder into a StudioError naming the file. */
export function asStudioError(e: unknown, file: string | undefined, what: string, hint: string): StudioError {
  if (e instanceof StudioError) return e;
  const detail = describe(e);
  return new StudioError({ code: 'bad-file', file, what: `${what} (${detail.slice(0, 200)})`, hint });
}

/** Rejects dimensions that are not positive integers or exceed the limits, before any allocation. */
export function checkDims(file: string | undefined, dims: number[], maxSide: number, maxVoxels: number): void {
  for (const d of dims) {
    if (!Number.isInteger(d) || d <= 0)
      fail(
        'bad-file',
        file,
        `invalid image dimensions ${dims.join('x')}`,
        'The file header is corrupt or the file is not an image; re-export it',
      );
    if (d > maxSide)
      fail(
        'too-large',
        file,
        `image dimension ${d} exceeds the limit of ${maxSide} per side (${dims.join('x')})`,
        'Resample the image, or raise the maxSide limit if this size is genuine',
      );
  }
  const voxels = dims.reduce((a, b) => a * b, 1);
  if (voxels > maxVoxels)
    fail(
      'too-large',
      file,
      `${dims.join('x')} = ${voxels} voxels exceeds the limit of ${maxVoxels}`,
      'Crop or resample the volume, or raise the maxVoxels limit',
    );
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  // dicom-parser throws { exception, dataSet } objects after a partial parse.
  if (typeof e === 'object' && e !== null && 'exception' in e) return describe((e as { exception: unknown }).exception);
  return String(e);
}

/**
 * Runs a decoder so that any exception a third-party parser raises on hostile bytes (TypeError,
 * RangeError, thrown strings) reaches the user as a StudioError naming the file.
 */
export function guard<T>(file: string | undefined, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw asStudioError(e, file, what, 'The file is truncated or damaged; export it again');
  }
}

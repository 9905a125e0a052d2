/**
 * Which channels of a multi-channel scan (Decathlon/nnU-Net, BraTS) feed which model input: by
 * default the channel the run was trained on under the same name (case-insensitive, so nnU-Net's
 * "FLAIR" finds BraTS's "flair"), else the scan's channel in that position.
 */
export function defaultMapping(available: string[], trained: string[] | undefined, inputs: number): string[] {
  return Array.from({ length: inputs }, (_, i) => {
    const want = trained?.[i]?.toLowerCase();
    return available.find((a) => a.toLowerCase() === want) ?? available[i] ?? '';
  });
}

/** Why the mapping cannot be used, or undefined. */
export function checkMapping(mapping: string[], available: string[], inputs: number): string | undefined {
  if (available.length < inputs)
    return `The scan has ${available.length} channel${available.length === 1 ? '' : 's'} (${available.join(', ')}); the run's model takes ${inputs}`;
  const missing = mapping.findIndex((m) => !available.includes(m));
  if (missing >= 0) return `Choose a scan channel for model input ${missing + 1}`;
  const twice = mapping.find((m, i) => mapping.indexOf(m) !== i);
  if (twice) return `Channel ${twice} feeds two model inputs; each input needs its own channel`;
  return undefined;
}

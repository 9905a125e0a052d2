/**
 * Base64 for binary payloads in JSON (masks, sweep images, uploads, slice pixels). atob/btoa
 * exist in browsers, Node and worker threads alike, so this runs in every process.
 */

/** Characters per btoa call: String.fromCharCode(...hugeArray) overflows the call stack. */
const CHUNK = 0x8000;

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += CHUNK) bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(bin);
}

/** Strict: null for text that is not padded base64 (the input may come from a file or a client). */
export function base64ToBytes(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

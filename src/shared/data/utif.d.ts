// utif ships no types; only the encoder entry point is used (decoding is done by tiff.ts).
declare module 'utif' {
  const UTIF: { encode(ifds: Array<Record<string, unknown>>): ArrayBuffer };
  export default UTIF;
}

/** The part of dcmjs (no bundled types) the SEG writer uses. */
declare module 'dcmjs' {
  type Naturalized = Record<string, unknown> & { _meta?: Record<string, unknown>; _vrMap?: Record<string, string> };
  export const data: {
    DicomMessage: {
      readFile(
        buffer: ArrayBuffer,
        options?: { untilTag?: string; includeUntilTagValue?: boolean; ignoreErrors?: boolean },
      ): { dict: Record<string, unknown>; meta: Record<string, unknown> };
    };
    DicomMetaDictionary: { naturalizeDataset(dict: Record<string, unknown>): Naturalized; uid(): string; date(): string; time(): string };
    datasetToDict(dataset: Naturalized): { write(options?: Record<string, unknown>): ArrayBuffer };
  };
  const dcmjs: { data: typeof data };
  export default dcmjs;
}

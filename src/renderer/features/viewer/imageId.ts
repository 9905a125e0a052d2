/** Image ids of the studio's cornerstone loader: `varstudio:<datasetId>:<channel>:<index>:<caseId>`. */
export const SCHEME = 'varstudio';

export interface SliceRef {
  datasetId: string;
  caseId: string;
  index: number;
  channel: number;
}

export function sliceImageId(r: SliceRef): string {
  return `${SCHEME}:${encodeURIComponent(r.datasetId)}:${r.channel}:${r.index}:${encodeURIComponent(r.caseId)}`;
}

export function parseSliceImageId(imageId: string): SliceRef | undefined {
  const m = /^varstudio:([^:]+):(\d+):(\d+):(.+)$/.exec(imageId);
  if (!m) return undefined;
  return { datasetId: decodeURIComponent(m[1]), channel: Number(m[2]), index: Number(m[3]), caseId: decodeURIComponent(m[4]) };
}

/** Input of src/worker/cell.worker.ts; the cell reports ExperimentEvents and answers its CellRecord (src/node/jobs protocol). */
export interface CellWorkerData {
  out: string;
  key: string;
}

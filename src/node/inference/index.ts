export { predictScan, type Prediction, type CasePrediction, type PredictOptions, type PredictProgress } from './predict';
export { writePrediction, levelFolder, caseFileName, SUMMARY_FILE } from './write';
export { encodeSeg, packBits } from './seg';
export { scanSource, seriesGeometry, type ScanSource, type SeriesGeometry } from './source';

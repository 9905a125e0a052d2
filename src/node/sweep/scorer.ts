/**
 * The sweep's scorers come from the one inference module (src/node/compute/inference.ts);
 * the sweep config asks for onnx or tfjs explicitly (tfjs = the parity reference).
 */
export { onnxScorer, tfjsScorer, type Scorer } from '../compute/inference';

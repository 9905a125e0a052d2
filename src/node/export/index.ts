export { exportOnnx, exportOnnxModel, ONNX_OPSET, type OnnxExport, type OnnxExportOptions, type WeightStorage } from './onnx';
export { exportOnnxFile, type OnnxFileExport } from './onnx-file';
export { createOnnxSession, runOnnx, type OnnxSessionOptions } from './onnx-run';
export { exportTfjs, tfjsDir, type TfjsExport, type TfjsExportOptions } from './tfjs';
export { measureOnnxLatency, type Latency, type LatencyOptions } from './latency';
export { sizeReport, SPARSITY_STATEMENT, type SizeReport, type SizeReportInput } from './size';
export { writeFileSet, type OutFile } from './files';

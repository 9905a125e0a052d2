// onnx-proto is CommonJS with no named exports that Node's ESM loader can detect:
// take the namespace off the default export (types come from `import type { onnx }`).
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;

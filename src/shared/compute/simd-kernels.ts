/**
 * Our own WebAssembly SIMD kernels (AssemblyScript sources in kernels/, compiled by
 * `npm run build:kernels`). Each runs in its own small module with its own memory, instantiated
 * once per thread on first use; callers copy operands in and results out.
 */
import { base64ToBytes } from '../base64';
import { StudioError } from '../errors';
import { FILTER_GRAD_WASM } from './simd-kernels.generated';

const PAGE = 65536;

export interface FilterGradKernel {
  /** The module's memory, grown to at least `bytes`; views taken before a call to `reserve` are stale. */
  reserve(bytes: number): ArrayBuffer;
  /** kernels/filter-grad.ts: byte offsets into the memory, then the geometry. */
  filterGrad(...args: number[]): void;
}

let filterGradKernel: FilterGradKernel | undefined;

export function getFilterGradKernel(): FilterGradKernel {
  if (filterGradKernel) return filterGradKernel;
  const bytes = base64ToBytes(FILTER_GRAD_WASM);
  if (!bytes)
    throw new StudioError({
      code: 'backend',
      what: 'The filter-gradient kernel is not valid base64',
      hint: 'Run npm run build:kernels again.',
    });
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)).exports;
  const memory = exports.memory as WebAssembly.Memory;
  const filterGrad = exports.filterGrad as (...args: number[]) => void;
  filterGradKernel = {
    reserve(size) {
      const have = memory.buffer.byteLength;
      if (size <= have) return memory.buffer;
      try {
        memory.grow(Math.ceil((size - have) / PAGE));
      } catch {
        // WebAssembly memory ends at 4 GiB, and the host may refuse less.
        throw new StudioError({
          code: 'too-large',
          what: `The filter-gradient kernel needs ${Math.ceil(size / 2 ** 20)} MiB for one convolution's input and gradient and could not get it`,
          hint: 'Train with a smaller batch or image size, or more gradient workers (each takes a share of the batch).',
        });
      }
      return memory.buffer;
    },
    filterGrad,
  };
  return filterGradKernel;
}

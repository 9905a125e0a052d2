/**
 * The few globals src/shared uses that are not part of ECMAScript but exist in every host it runs in
 * (Node >= 20, its worker threads and child processes, and the browser/Electron renderer). This folder
 * compiles without DOM and Node types (tsconfig.shared.json), so each is declared here, typed no wider
 * than shared code uses it. Anything else host-specific belongs in src/node or src/renderer.
 */
declare function btoa(data: string): string;
declare function atob(data: string): string;
declare function structuredClone<T>(value: T): T;
interface AbortSignal {
  readonly aborted: boolean;
}
/** WebAssembly, as the SIMD kernels use it (src/shared/compute/simd-kernels.ts). */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}

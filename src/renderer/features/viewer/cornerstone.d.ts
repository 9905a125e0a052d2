/** The slice of the cornerstone-core 2.x API the studio uses (the package ships no types). */
declare module 'cornerstone-core' {
  export interface CornerstoneImage {
    imageId: string;
    minPixelValue: number;
    maxPixelValue: number;
    slope: number;
    intercept: number;
    windowCenter: number;
    windowWidth: number;
    getPixelData(): ArrayLike<number>;
    rows: number;
    columns: number;
    height: number;
    width: number;
    color: boolean;
    rgba?: boolean;
    invert: boolean;
    columnPixelSpacing?: number;
    rowPixelSpacing?: number;
    sizeInBytes: number;
    [extra: string]: unknown;
  }

  export interface Viewport {
    scale: number;
    translation: { x: number; y: number };
    voi: { windowWidth: number; windowCenter: number };
    invert: boolean;
    pixelReplication: boolean;
    rotation: number;
    hflip: boolean;
    vflip: boolean;
    [extra: string]: unknown;
  }

  export interface EnabledElement {
    element: HTMLElement;
    image?: CornerstoneImage;
    viewport?: Viewport;
    canvas: HTMLCanvasElement;
  }

  export interface ImageRenderedDetail {
    element: HTMLElement;
    image: CornerstoneImage;
    viewport: Viewport;
    enabledElement: EnabledElement;
    canvasContext: CanvasRenderingContext2D;
  }

  export interface ImageLoadObject {
    promise: Promise<CornerstoneImage>;
    cancelFn?: () => void;
  }

  export const EVENTS: { IMAGE_RENDERED: string; NEW_IMAGE: string; [name: string]: string };

  export function enable(element: HTMLElement, options?: unknown): void;
  export function disable(element: HTMLElement): void;
  export function displayImage(element: HTMLElement, image: CornerstoneImage, viewport?: Partial<Viewport>): void;
  export function loadAndCacheImage(imageId: string): Promise<CornerstoneImage>;
  export function registerImageLoader(scheme: string, loader: (imageId: string) => ImageLoadObject): void;
  export const imageCache: { purgeCache(): void };
  export function getViewport(element: HTMLElement): Viewport | undefined;
  export function setViewport(element: HTMLElement, viewport: Partial<Viewport>): void;
  export function getDefaultViewportForImage(element: HTMLElement, image: CornerstoneImage): Viewport;
  export function getEnabledElement(element: HTMLElement): EnabledElement;
  export function resize(element: HTMLElement, forceFitToWindow?: boolean): void;
  export function reset(element: HTMLElement): void;
  export function fitToWindow(element: HTMLElement): void;
  export function updateImage(element: HTMLElement, invalidated?: boolean): void;
  export function setToPixelCoordinateSystem(enabledElement: EnabledElement, context: CanvasRenderingContext2D, scale?: number): void;
}

/**
 * One cornerstone-core viewport showing a `varstudio:` image id, with the mask overlay. Window,
 * zoom and pan survive slice changes (like any reading viewer); `resetKey` changes restore the
 * image's own window and fit it to the viewport.
 */
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import * as cornerstone from 'cornerstone-core';
import { studioInfo, type StudioImageInfo } from './loader';
import { drawMaskOverlay, type OverlayStyle } from './overlay';
import { attachGestures } from './interaction';
import { drawAnnotations } from './annotations';
import type { WindowLevel } from './presets';

export interface ViewportState {
  /** The image these values belong to: callers show them only while it is the one asked for. */
  imageId: string;
  window: WindowLevel;
  scale: number;
  info: StudioImageInfo;
}

export interface ViewportController {
  setWindow(w: WindowLevel): void;
  /** Image's own window, fit to the viewport, no pan. */
  reset(): void;
  info(): StudioImageInfo | undefined;
}

export interface SliceViewportProps {
  imageId: string | undefined;
  /** Image ids worth loading ahead (neighbouring slices). */
  prefetch?: string[];
  overlay: OverlayStyle;
  /** Drawn instead of the slice's own mask when given (e.g. a predicted mask); null = none. */
  overlayMask?: Uint8Array | null;
  resetKey: string;
  label: string;
  controller?: Ref<ViewportController>;
  onWheelSlice(step: number): void;
  onRendered?(state: ViewportState): void;
  onError?(error: unknown): void;
}

/** Blank canvas and no current image, so nothing redraws the old pixels (resize, overlay changes). */
function clearViewport(el: HTMLDivElement): void {
  const enabled = cornerstone.getEnabledElement(el);
  if (!enabled.image) return;
  (enabled as { image?: unknown }).image = undefined;
  const canvas = el.querySelector('canvas');
  const ctx = canvas?.getContext('2d');
  if (canvas && ctx) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  }
  delete el.dataset.imageId;
}

export function SliceViewport(props: SliceViewportProps) {
  const element = useRef<HTMLDivElement>(null);
  const overlay = useRef(props.overlay);
  overlay.current = props.overlay;
  const overlayMask = useRef(props.overlayMask);
  overlayMask.current = props.overlayMask;
  const callbacks = useRef(props);
  callbacks.current = props;
  const lastReset = useRef<string | undefined>(undefined);

  useImperativeHandle(props.controller, () => ({
    setWindow(w) {
      const el = element.current;
      const vp = el && cornerstone.getViewport(el);
      if (!el || !vp) return;
      vp.voi = { windowCenter: w.center, windowWidth: w.width };
      cornerstone.setViewport(el, vp);
    },
    reset() {
      const el = element.current;
      if (el && cornerstone.getEnabledElement(el).image) cornerstone.reset(el);
    },
    info() {
      const el = element.current;
      return el ? studioInfo(cornerstone.getEnabledElement(el).image) : undefined;
    },
  }));

  // Enable once; the overlay and the status report hook into every render.
  useEffect(() => {
    const el = element.current!;
    cornerstone.enable(el);
    const onRendered = (e: Event) => {
      const detail = (e as CustomEvent<cornerstone.ImageRenderedDetail>).detail;
      const info = studioInfo(detail.image);
      // The slice's own mask is drawn from its label map when it has one (colour table); a given mask replaces both.
      const own = overlayMask.current === undefined;
      drawMaskOverlay(detail, own ? info?.mask : (overlayMask.current ?? undefined), overlay.current, own ? info?.labels : undefined);
      drawAnnotations(detail, info?.slice);
      el.dataset.rendered = String(Number(el.dataset.rendered ?? 0) + 1);
      if (info)
        callbacks.current.onRendered?.({
          imageId: detail.image.imageId,
          window: { center: detail.viewport.voi.windowCenter, width: detail.viewport.voi.windowWidth },
          scale: detail.viewport.scale,
          info,
        });
    };
    el.addEventListener(cornerstone.EVENTS.IMAGE_RENDERED, onRendered);
    const detach = attachGestures(el, { onWheelSlice: (s) => callbacks.current.onWheelSlice(s) });
    const resize = new ResizeObserver(() => {
      if (cornerstone.getEnabledElement(el).image) cornerstone.resize(el, false);
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      detach();
      el.removeEventListener(cornerstone.EVENTS.IMAGE_RENDERED, onRendered);
      cornerstone.disable(el);
    };
  }, []);

  useEffect(() => {
    const el = element.current;
    const id = props.imageId;
    if (!el) return;
    // Another dataset, case or channel: the old pixels must not stay under the new labels while
    // the new image loads (or if it fails).
    if (lastReset.current !== props.resetKey || !id) clearViewport(el);
    if (!id) return;
    let live = true;
    cornerstone.loadAndCacheImage(id).then(
      (image) => {
        if (!live) return;
        const fresh = lastReset.current !== props.resetKey || !cornerstone.getEnabledElement(el).image;
        lastReset.current = props.resetKey;
        cornerstone.displayImage(el, image, fresh ? cornerstone.getDefaultViewportForImage(el, image) : undefined);
        el.dataset.imageId = id;
      },
      (e: unknown) => {
        if (!live) return;
        // A failed load never leaves the previous slice on screen.
        clearViewport(el);
        lastReset.current = undefined;
        callbacks.current.onError?.(e);
      },
    );
    return () => {
      live = false;
    };
  }, [props.imageId, props.resetKey]);

  // Neighbours load in the background so wheel scrolling does not wait for the server.
  const prefetchKey = props.prefetch?.join('|');
  useEffect(() => {
    for (const id of props.prefetch ?? []) cornerstone.loadAndCacheImage(id).catch(() => {});
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the ids, not on the array rebuilt every render
  }, [prefetchKey]);

  // A new overlay style re-renders the current image (same pixels, new overlay).
  useEffect(() => {
    const el = element.current;
    if (el && cornerstone.getEnabledElement(el).image) cornerstone.updateImage(el);
  }, [props.overlay.visible, props.overlay.opacity, props.overlayMask]);

  return <div ref={element} className="slice-viewport" role="img" aria-label={props.label} tabIndex={0} />;
}

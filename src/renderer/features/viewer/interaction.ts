/**
 * Mouse gestures of the viewport (cornerstone-core has no tools of its own):
 * left drag = window/level, right or ctrl+left drag = zoom, middle or shift+left drag = pan,
 * ctrl+wheel = zoom, wheel = slices (reported to the caller).
 */
import * as cornerstone from 'cornerstone-core';

type Mode = 'wl' | 'zoom' | 'pan';

export interface GestureOptions {
  onWheelSlice(step: number): void;
}

const clampScale = (s: number) => Math.min(40, Math.max(0.05, s));

function modeFor(e: PointerEvent): Mode {
  if (e.button === 1 || (e.button === 0 && e.shiftKey)) return 'pan';
  if (e.button === 2 || (e.button === 0 && (e.ctrlKey || e.metaKey))) return 'zoom';
  return 'wl';
}

export function attachGestures(element: HTMLElement, opts: GestureOptions): () => void {
  let drag: { mode: Mode; x: number; y: number; id: number } | undefined;

  const down = (e: PointerEvent) => {
    if (!cornerstone.getEnabledElement(element).image) return;
    drag = { mode: modeFor(e), x: e.clientX, y: e.clientY, id: e.pointerId };
    element.setPointerCapture(e.pointerId);
    element.dataset.gesture = drag.mode;
    // preventDefault stops text selection but also the focus change: take focus for the keys.
    e.preventDefault();
    element.focus({ preventScroll: true });
  };

  const move = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id) return;
    const dx = e.clientX - drag.x,
      dy = e.clientY - drag.y;
    drag.x = e.clientX;
    drag.y = e.clientY;
    const vp = cornerstone.getViewport(element);
    const image = cornerstone.getEnabledElement(element).image;
    if (!vp || !image) return;
    if (drag.mode === 'wl') {
      // One screen width of drag sweeps the whole value range: fine enough for 8-bit and CT alike.
      const span = Math.max((image.maxPixelValue - image.minPixelValue) * image.slope, 1e-6);
      const k = span / Math.max(element.clientWidth, 200);
      vp.voi.windowWidth = Math.max(k, vp.voi.windowWidth + dx * k);
      vp.voi.windowCenter += dy * k;
    } else if (drag.mode === 'zoom') {
      vp.scale = clampScale(vp.scale * Math.exp(-dy / 150));
    } else {
      vp.translation.x += dx / vp.scale;
      vp.translation.y += dy / vp.scale;
    }
    cornerstone.setViewport(element, vp);
  };

  const up = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id) return;
    drag = undefined;
    delete element.dataset.gesture;
    if (element.hasPointerCapture(e.pointerId)) element.releasePointerCapture(e.pointerId);
  };

  const wheel = (e: WheelEvent) => {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) {
      const vp = cornerstone.getViewport(element);
      if (!vp) return;
      vp.scale = clampScale(vp.scale * Math.exp(-e.deltaY / 400));
      cornerstone.setViewport(element, vp);
    } else if (e.deltaY !== 0) {
      opts.onWheelSlice(e.deltaY > 0 ? 1 : -1);
    }
  };

  const menu = (e: Event) => e.preventDefault();

  element.addEventListener('pointerdown', down);
  element.addEventListener('pointermove', move);
  element.addEventListener('pointerup', up);
  element.addEventListener('pointercancel', up);
  // Not passive: the wheel scrolls slices, not the page.
  element.addEventListener('wheel', wheel, { passive: false });
  element.addEventListener('contextmenu', menu);
  return () => {
    element.removeEventListener('pointerdown', down);
    element.removeEventListener('pointermove', move);
    element.removeEventListener('pointerup', up);
    element.removeEventListener('pointercancel', up);
    element.removeEventListener('wheel', wheel);
    element.removeEventListener('contextmenu', menu);
  };
}

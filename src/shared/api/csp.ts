/**
 * The one Content-Security-Policy of the renderer. Applied three ways: the meta tag injected into
 * index.html at build time, the browser-mode response header, and the Electron session header.
 * 'wasm-unsafe-eval' lets tfjs-backend-wasm compile its module; nothing allows inline script.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Header-only extras (frame-ancestors is ignored in a meta tag). */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

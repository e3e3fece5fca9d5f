import type { Terminal } from '@xterm/xterm';
import { WebglAddon } from '@xterm/addon-webgl';

/**
 * A WebGL context drawn in software (no GPU, or a GPU the browser refuses) is slower than
 * xterm's DOM renderer, so it does not count as available.
 */
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software/i;

export function hasHardwareWebgl(doc: Document = document): boolean {
  try {
    const gl = doc.createElement('canvas').getContext('webgl2');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return !SOFTWARE_RENDERERS.test(name);
  } catch {
    return false;
  }
}

/**
 * Draws the terminal with WebGL where a GPU renders it: a flood then costs the main thread the
 * parse alone, not a DOM row per line. Falls back to xterm's DOM renderer when WebGL is missing,
 * software-only, or its context is lost later (a GPU reset, too many contexts).
 */
export function attachWebglRenderer(
  term: Terminal,
  /** Called when a lost context hands the drawing back to the DOM renderer. */
  onFallback: () => void = () => {},
): WebglAddon | undefined {
  if (!hasHardwareWebgl()) return undefined;
  try {
    const addon = new WebglAddon();
    addon.onContextLoss(() => {
      onFallback();
      addon.dispose();
    });
    term.loadAddon(addon);
    return addon;
  } catch {
    return undefined;
  }
}

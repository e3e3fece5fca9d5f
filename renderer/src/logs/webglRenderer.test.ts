import { describe, expect, it } from 'vitest';
import { hasHardwareWebgl } from './webglRenderer';

/** A document whose canvas answers with the given WebGL renderer name (null: no WebGL). */
function docWith(renderer: string | null, withInfo = true): Document {
  const gl = {
    getExtension: (name: string) =>
      name === 'WEBGL_debug_renderer_info' && withInfo
        ? { UNMASKED_RENDERER_WEBGL: 0x9246 }
        : name === 'WEBGL_lose_context'
          ? { loseContext: () => {} }
          : null,
    getParameter: () => renderer,
  };
  return {
    createElement: () => ({ getContext: () => (renderer === null ? null : gl) }),
  } as unknown as Document;
}

describe('hasHardwareWebgl', () => {
  it('takes a GPU renderer', () => {
    expect(hasHardwareWebgl(docWith('ANGLE (NVIDIA, GeForce RTX 3060)'))).toBe(true);
  });

  it('refuses software WebGL, which draws slower than the DOM renderer', () => {
    expect(hasHardwareWebgl(docWith('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device))'))).toBe(
      false,
    );
    expect(hasHardwareWebgl(docWith('llvmpipe (LLVM 15.0.6, 256 bits)'))).toBe(false);
  });

  it('refuses a browser without WebGL 2', () => {
    expect(hasHardwareWebgl(docWith(null))).toBe(false);
  });
});

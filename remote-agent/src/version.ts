declare const __ULTRABASE_VERSION__: string | undefined;

/** The agent's version: stamped by the build, read from package.json by tests run from source. */
export const AGENT_VERSION: string =
  typeof __ULTRABASE_VERSION__ === 'string' ? __ULTRABASE_VERSION__ : '0.0.0-dev';

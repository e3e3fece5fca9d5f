import os from 'node:os';

/**
 * The address put in URLs of public instances when the config names none: the first
 * non-internal IPv4 address of the host (a VPS usually has exactly one public one). No
 * hard-coded fallback: on a host with none, public creation asks for `externalHost`.
 */
export function detectExternalHost(
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): string | undefined {
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4' && !info.internal) return info.address;
    }
  }
  return undefined;
}

import { z } from 'zod';

export const LETSENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETSENCRYPT_STAGING_DIRECTORY =
  'https://acme-staging-v02.api.letsencrypt.org/directory';

const ipAddress = z.string().ip();
/** `1.2.3.4`, `1.2.3.4:53` or `[::1]:53`: a DNS server for the check before any ACME order. */
const dnsServer = z
  .string()
  .max(64)
  .regex(
    /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)(:\d{1,5})?$/,
    'an IP address, optionally with :port',
  );

/**
 * The agent config's `proxy` key: how the server's one reverse proxy gets certificates and what
 * the DNS check compares with. Every key optional: Let's Encrypt and the system resolver by
 * default.
 */
export const ProxyConfigSchema = z
  .object({
    /** Any ACME directory; default Let's Encrypt (or its staging with `staging: true`). */
    acmeDirectory: z.string().url().max(500).optional(),
    staging: z.boolean().optional(),
    /** PEM file of the CA that signs the ACME directory's own HTTPS (private ACME servers). */
    acmeCaRoot: z.string().startsWith('/').max(500).optional(),
    /** Account e-mail given to the CA (expiry notices). */
    email: z.string().email().max(254).optional(),
    /** Where names must point; default: the external host, else this machine's addresses. */
    serverAddresses: z.array(ipAddress).min(1).max(16).optional(),
    /** DNS servers asked by the check; default: the system's. */
    dnsServers: z.array(dnsServer).min(1).max(8).optional(),
  })
  .strict();

export type ProxyConfig = z.infer<typeof ProxyConfigSchema>;

export interface AcmeSettings {
  directory: string;
  caRootFile?: string;
  email?: string;
}

export function acmeSettings(config: ProxyConfig | undefined): AcmeSettings {
  const directory =
    config?.acmeDirectory ??
    (config?.staging ? LETSENCRYPT_STAGING_DIRECTORY : LETSENCRYPT_DIRECTORY);
  return {
    directory,
    ...(config?.acmeCaRoot ? { caRootFile: config.acmeCaRoot } : {}),
    ...(config?.email ? { email: config.email } : {}),
  };
}

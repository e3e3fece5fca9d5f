import { z } from 'zod';
import type { StackServiceName } from '../services';

const SERVICE_NAMES = [
  'db',
  'kong',
  'auth',
  'rest',
  'realtime',
  'storage',
  'imgproxy',
  'meta',
  'functions',
  'studio',
  'supavisor',
  'analytics',
  'vector',
] as const satisfies readonly StackServiceName[];

/** `supabase/postgres:15.8.1.085`, `registry:5000/x/y:tag`: a name and a tag, never `latest`. */
const imageRef = z
  .string()
  .regex(/^[a-z0-9][\w./-]*(:\d+)?[\w./-]*:[\w][\w.-]{0,127}$/, 'an image with a tag')
  .refine((ref) => !ref.endsWith(':latest'), 'a pinned tag, not latest');

/** Relative, `/`-separated, no `..`, inside the kit's own folders. */
const kitPath = z
  .string()
  .regex(/^volumes\/[\w./-]+$/, 'a path under volumes/')
  .refine((p) => !p.split('/').includes('..'), 'no ".." in a path')
  // Rendered per instance with its keys: a static copy would drop them.
  .refine((p) => !TEMPLATED_FILES.has(p), 'a file the agent renders with the instance keys');

const TEMPLATED_FILES = new Set(['volumes/api/kong.yml', 'volumes/pooler/pooler.exs']);

export const advisorySchema = z
  .object({
    /** Stable id, e.g. `UB-2026-001` or an upstream CVE id. */
    id: z.string().regex(/^[\w.-]{3,64}$/),
    severity: z.enum(['low', 'medium', 'high', 'critical']),
    summary: z.string().min(1).max(500),
    /** Releases with the issue; this release (and any newer one) fixes it. */
    affects: z.array(z.string()).min(1),
    url: z.string().url().optional(),
  })
  .strict();

/**
 * One stack release: a named, dated set of images (one per service) with the kit files that
 * differ from the agent's built-in rendering, and notes. A file per release; a project records
 * the release it runs.
 */
export const stackReleaseSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,40}$/, 'lower-case letters, digits, "." and "-"'),
    /** YYYY-MM-DD: the newest date is the newest release. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Where the images and files come from (the official kit's commit, or "test"). */
    kit: z
      .object({
        source: z.string().min(1).max(200),
        commit: z.string().max(40).optional(),
      })
      .strict(),
    notes: z.array(z.string().min(1).max(500)).max(50),
    images: z.object(Object.fromEntries(SERVICE_NAMES.map((s) => [s, imageRef]))).strict(),
    /** `sha256:…` per image, where known: pulled by digest, a re-pushed tag is not trusted. */
    digests: z.record(z.enum(SERVICE_NAMES), z.string().regex(/^sha256:[0-9a-f]{64}$/)).optional(),
    /** Static kit files this release replaces or adds (the generated ones hold secrets). */
    files: z
      .array(z.object({ path: kitPath, content: z.string().max(1_000_000) }).strict())
      .max(50)
      .optional(),
    advisories: z.array(advisorySchema).max(50).optional(),
    /** Postgres major of the db image, when its tag does not say (a mirror's own tags). */
    postgresMajor: z.number().int().min(12).max(99).optional(),
  })
  .strict()
  .superRefine((release, ctx) => {
    if (
      release.postgresMajor === undefined &&
      postgresMajorOf(release.images.db ?? '') === undefined
    ) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['images', 'db'],
        message:
          'the db tag must start with the Postgres major version (15.x, 17.x), or set postgresMajor',
      });
    }
  });

export type StackRelease = Omit<z.infer<typeof stackReleaseSchema>, 'images'> & {
  images: Readonly<Record<StackServiceName, string>>;
};
export type Advisory = z.infer<typeof advisorySchema>;

/** The Postgres major a release runs: declared, else read from the db image's tag. */
export function releasePostgresMajor(
  release: Pick<StackRelease, 'images' | 'postgresMajor'>,
): number {
  return release.postgresMajor ?? postgresMajorOf(release.images.db) ?? 0;
}

/** `supabase/postgres:15.8.1.085` → 15. A Postgres major never changes in a normal upgrade. */
export function postgresMajorOf(dbImage: string): number | undefined {
  const tag = dbImage.slice(dbImage.lastIndexOf(':') + 1);
  const major = /^(\d{2})\./.exec(tag)?.[1];
  return major ? Number(major) : undefined;
}

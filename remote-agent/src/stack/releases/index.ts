export { ReleaseCatalog, BUILTIN_RELEASES, LEGACY_RELEASE_ID, parseRelease } from './catalog';
export { loadReleaseFiles } from './load';
export { postgresMajorOf, releasePostgresMajor, stackReleaseSchema } from './schema';
export type { StackRelease, Advisory } from './schema';

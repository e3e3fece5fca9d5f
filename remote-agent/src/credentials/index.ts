export { generateCredentials, API_KEY_LIFETIME_YEARS } from './generate';
export type { CredentialSources } from './generate';
export { signJwt, verifyJwt } from '@common/jwt';
export type { JwtClaims, JwtVerification } from '@common/jwt';
export { instanceSecretsSchema, secretValues } from './secrets';
export type { InstanceSecrets } from './secrets';

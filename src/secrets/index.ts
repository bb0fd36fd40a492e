// Secret detection and redaction: the public surface used by the scan and the rules.
export { detectSecrets, findAssignments, judgeGenericValue, plaintextPassword } from "./detect.js";
export type { Assignment, DetectContext, GenericVerdict, PlaintextPassword, SecretKind, SecretMatch } from "./detect.js";
export {
  GENERIC_ENTROPY_THRESHOLD,
  GENERIC_HEX_ENTROPY_THRESHOLD,
  GENERIC_HEX_MIN_LENGTH,
  GENERIC_MIN_LENGTH,
  GENERIC_SINGLE_WORD_ENTROPY_THRESHOLD,
} from "./detect.js";
export { TOKEN_PATTERNS, PASSWORD_HASH_PATTERN, APP_PASSWORD_HASHES, appPasswordHashScheme, keyNamesHash, isUnencryptedPrivateKeyBlock, isSecurityKeyHandle, openSshCipher, openSshKeyType, SECURITY_KEY_HANDLE_NOTE } from "./patterns.js";
export type { Confidence, TokenPattern } from "./patterns.js";
export { classifyKey, keyWords, isPasswordByPath, isAppSecretKeyOption, namesCommand, namesNonSecretValue, publicDefaultSecretKey } from "./keys.js";
export type { KeyKind } from "./keys.js";
export { besideTestEndpoint, documentedAsDeliberatelyWeak, documentedAsPlaceholder, documentedAsPublicTestValue, isNameGlob, isPlaceholder, isRegexPattern, isSecretNamePath, isSecretReference, nonSecretShape } from "./values.js";
export { redact, redactAll, REDACT_MIN_VISIBLE_LENGTH } from "./redact.js";
export { shannonEntropy } from "./entropy.js";
export { classifySecretFile, isSecretLocation, parseSopsConfig } from "./files.js";
export type { ClassifyOptions, SecretFileClass, SecretFileKind, SecretLocation, SopsCreationRule } from "./files.js";
export { certificateExpiry, daysUntilExpiry, parseCertificates, EXPIRY_WARNING_DAYS } from "./certs.js";
export type { CertificateExpiry, CertificateParseError, CertificateParseResult, ParsedCertificate } from "./certs.js";
export { cryptMatches, isEmptyPasswordHash } from "./crypt.js";

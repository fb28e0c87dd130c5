/**
 * Environment variables that hold credentials: named like one (SECRET_NAME: KEY, TOKEN, SECRET, PASSWORD, PASSWD,
 * CREDENTIAL, e.g. OPENAI_API_KEY, GITHUB_TOKEN, PGPASSWORD, GOOGLE_APPLICATION_CREDENTIALS) or declared secret by
 * the configuration (`api_key_env` of a custom provider). The redactor uses the same rule (src/core/redact.ts).
 */
export { isSecretName, SECRET_NAME, withoutSecrets } from "../core/redact.ts";

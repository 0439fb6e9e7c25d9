import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ConfigError } from "@afsync/core";
import type { GcpClientSettings } from "./createGcpClient.ts";
import type { GcpSourceOptions } from "./gcpSourceOptions.ts";

interface KeyFile {
  readonly project_id?: string;
  readonly client_email?: string;
  readonly private_key?: string;
}

/**
 * Where the client's credentials and project come from, the way Airflow's backend finds them:
 * `gcp_key_path`, else the key JSON `gcp_keyfile_dict_env` names, else Application Default
 * Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's user credentials, the metadata server).
 * The project is `project_id`, else the key file's, else GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT.
 * afsync reads the key file's project itself instead of asking GoogleAuth, which would shell out
 * to gcloud and probe the metadata server. Errors name the option or variable, never key content.
 */
export async function resolveGcpCredentials(
  options: GcpSourceOptions,
  env: NodeJS.ProcessEnv,
  configDir: string,
): Promise<GcpClientSettings> {
  let key: KeyFile | undefined;
  let keyFilename: string | undefined;
  let credentials: GcpClientSettings["credentials"];
  if (options.gcp_key_path !== undefined) {
    keyFilename = resolve(configDir, options.gcp_key_path);
    key = await readKeyFile(keyFilename, "gcp_key_path");
  } else if (options.gcp_keyfile_dict_env !== undefined) {
    const name = options.gcp_keyfile_dict_env;
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") throw new ConfigError("gcp_keyfile_dict_env", `environment variable ${name} is not set`);
    key = parseKey(raw, `environment variable ${name}`, "gcp_keyfile_dict_env");
    if (typeof key.client_email !== "string" || typeof key.private_key !== "string")
      throw new ConfigError("gcp_keyfile_dict_env", `${name} must hold a service account key (client_email and private_key)`);
    credentials = { client_email: key.client_email, private_key: key.private_key };
  } else if (env.GOOGLE_APPLICATION_CREDENTIALS) {
    // ADC loads the file itself; afsync only needs its project (external-account files have none).
    key = await readKeyFile(env.GOOGLE_APPLICATION_CREDENTIALS, "GOOGLE_APPLICATION_CREDENTIALS");
  }
  const projectId = options.project_id ?? key?.project_id ?? env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT;
  if (projectId === undefined || projectId === "")
    throw new ConfigError(
      "project_id",
      "the project could not be determined: set project_id, use a key file that names one, or set GOOGLE_CLOUD_PROJECT",
    );
  const scopes = options.gcp_scopes
    ?.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return {
    projectId,
    ...(options.api_endpoint !== undefined ? { apiEndpoint: options.api_endpoint } : {}),
    ...(keyFilename !== undefined ? { keyFilename } : {}),
    ...(credentials !== undefined ? { credentials } : {}),
    ...(scopes !== undefined && scopes.length > 0 ? { scopes } : {}),
  };
}

async function readKeyFile(path: string, option: string): Promise<KeyFile> {
  let raw: string;
  try {
    raw = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(option, `cannot read the key file ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  return parseKey(raw, `the key file ${path}`, option);
}

function parseKey(raw: string, what: string, option: string): KeyFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // JSON.parse's message quotes the text, which holds a private key: say only where.
    throw new ConfigError(option, `${what} is not valid JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConfigError(option, `${what} is not a JSON object`);
  const obj = parsed as Record<string, unknown>;
  return {
    ...(typeof obj.project_id === "string" ? { project_id: obj.project_id } : {}),
    ...(typeof obj.client_email === "string" ? { client_email: obj.client_email } : {}),
    ...(typeof obj.private_key === "string" ? { private_key: obj.private_key } : {}),
  };
}

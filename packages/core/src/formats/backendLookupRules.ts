import type { BackendName, NamingKind, SecretId, VaultSecretId } from "./backendNaming.ts";
import { namesTeamNamespace } from "./envVars.ts";
import { pythonRegexMatcher } from "./pythonRegex.ts";

/**
 * Each secrets backend's lookup rule, as its provider code builds the secret id from
 * `backend_kwargs` (the provider file is named above each rule). A rule returns every id the
 * backend tries, in order, or throws NamingRefusal saying why the backend never looks the key up.
 */
const PLURAL: Readonly<Record<NamingKind, string>> = { connection: "connections", variable: "variables", config: "config" };

export class NamingRefusal extends Error {}

function refuse(reason: string): never {
  throw new NamingRefusal(reason);
}

export type Kwargs = Record<string, unknown>;

/** A kwarg that must be a string or null; absent means the backend's default. */
export function opt(kwargs: Kwargs, name: string, fallback: string | null): string | null {
  if (!Object.hasOwn(kwargs, name)) return fallback;
  const v = kwargs[name];
  if (v === null || v === undefined) return null;
  if (typeof v !== "string") refuse(`backend_kwargs.${name} must be a string or null`);
  return v;
}

/** Python `str.rstrip(chars)`: strips any trailing character found in `chars`. */
function rstripChars(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1] as string)) end--;
  return s.slice(0, end);
}

function team(kwargs: Kwargs): string | null {
  if (kwargs.multi_team !== true) return null;
  const t = kwargs.team_name;
  return typeof t === "string" && t !== "" ? t : null;
}

// `re.match(pattern, key, re.IGNORECASE)`, with Python's meaning (see pythonRegex.ts).
function lookupPatternAllows(kwargs: Kwargs, kind: NamingKind, key: string): void {
  const name = `${PLURAL[kind]}_lookup_pattern`;
  const pattern = opt(kwargs, name, null);
  if (!pattern) return; // `if lookup_pattern and not re.match(...)`: "" looks everything up
  const matches = pythonRegexMatcher(pattern);
  if (matches === null) refuse(`backend_kwargs.${name} is not a valid regular expression`);
  if (!matches(key)) refuse(`${name} does not match '${key}', so the backend never looks this ${kind} up`);
}

function nullPrefix(name: string, kind: NamingKind): never {
  refuse(`${name} is null, so the backend never looks up any ${kind}`);
}

export type Forward = (kind: NamingKind, key: string, kwargs: Kwargs) => { ids: SecretId[]; warnings?: string[] };

// providers/amazon/.../secrets/secrets_manager.py
const awsSecretsManager: Forward = (kind, key, kwargs) => {
  const sep = opt(kwargs, "sep", "/") ?? "/";
  const name = `${PLURAL[kind]}_prefix`;
  let prefix = opt(kwargs, name, `airflow/${PLURAL[kind]}`);
  if (prefix === null) nullPrefix(name, kind);
  if (prefix) prefix = rstripChars(prefix, sep);
  lookupPatternAllows(kwargs, kind, key);
  const build = (id: string) => (prefix ? `${prefix}${sep}${id}` : id);
  return withTeam(kwargs, key, build, (t) => build(`${t}--${key}`), "--");
};

// providers/amazon/.../secrets/systems_manager.py: no `sep` (always "/"), a leading "/" added.
const awsSsm: Forward = (kind, key, kwargs) => {
  const name = `${PLURAL[kind]}_prefix`;
  const prefix = opt(kwargs, name, `/airflow/${PLURAL[kind]}`);
  if (prefix === null) nullPrefix(name, kind);
  const base = rstripChars(prefix, "/");
  lookupPatternAllows(kwargs, kind, key);
  const build = (id: string) => {
    const path = `${base}/${id}`;
    return path.startsWith("/") ? path : `/${path}`;
  };
  return withTeam(kwargs, key, build, (t) => build(`${t}--${key}`), "--");
};

// providers/microsoft/azure/.../secrets/key_vault.py: build_path replaces "_" with sep in the whole path.
// Multi-team (newest provider): with a team, `<prefix><sep><team>--<key>` is tried first, then the
// plain id; without a team (every lookup outside multi-team mode), a key that reads as team-scoped
// (`[^sep]+--.+` once "_" became sep) is never looked up. Config lookups take no team.
const azureKeyVault: Forward = (kind, key, kwargs) => {
  const sep = opt(kwargs, "sep", "-") ?? "-";
  const name = `${PLURAL[kind]}_prefix`;
  let prefix = opt(kwargs, name, `airflow-${PLURAL[kind]}`);
  if (prefix === null) nullPrefix(name, kind);
  if (prefix) prefix = rstripChars(prefix, sep);
  const build = (p: string, id: string) => (p === "" ? id : `${p}${sep}${id}`).replaceAll("_", sep);
  if (kind === "config") return { ids: [build(prefix, key)] };
  const t = kwargs.multi_team === true && typeof kwargs.team_name === "string" ? kwargs.team_name : null;
  if (t === null && azureTeamScopedPattern(sep).test(key.replaceAll("_", sep))) {
    refuse(`'${key}' reads as team-scoped (<team>--<key>), so outside a team the Key Vault backend never looks it up`);
  }
  const ids: SecretId[] = [];
  // `if team_name:`: an empty team name has no team-scoped id.
  if (t) ids.push(build(prefix, `${build("", t)}--${key.replaceAll("_", sep)}`));
  ids.push(build(prefix, key));
  return { ids };
};

// `re.fullmatch(rf"[^{re.escape(sep)}]+--.+", id)`; Python's `.` stops only at "\n".
function azureTeamScopedPattern(sep: string): RegExp {
  const notSep = sep.replace(/[\]\\^-]/g, "\\$&");
  return new RegExp(`^[^${notSep}]+--[^\\n]+$`, "u");
}

// providers/google/.../secrets/secret_manager.py: no rstrip; the prefix+sep must match a regex at init.
const gcpSecretManager: Forward = (kind, key, kwargs) => {
  const sep = opt(kwargs, "sep", "-") ?? "-";
  const connPrefix = opt(kwargs, "connections_prefix", "airflow-connections");
  if (connPrefix !== null && !/^[a-zA-Z0-9_-]*$/.test(connPrefix + sep)) {
    refuse(`connections_prefix + sep must match ^[a-zA-Z0-9-_]*$; the backend fails at start-up and looks nothing up`);
  }
  const name = `${PLURAL[kind]}_prefix`;
  const prefix = opt(kwargs, name, `airflow-${PLURAL[kind]}`);
  if (prefix === null) nullPrefix(name, kind);
  const build = (id: string) => `${prefix}${sep}${id}`;
  return withTeam(kwargs, key, build, (t) => build(`${t}--${key}`), "--");
};

// providers/hashicorp/.../secrets/vault.py and _internal_client/vault_client.py. The path is
// built in two steps: the backend joins `(mount + "/" if mount else "") + base/key` (with
// mount_point null, the key's first segment is the mount), then the client, again with
// mount_point null, splits that text at its first "/" into mount and path; with nothing to
// split it raises InvalidPath, which ends the lookup. Multi-team: `{base}/{team}/{key}` first
// (build_path joins with "/" even when base is "", hence `/team_a/key`), then
// `{base}/{global_secrets_path}/{key}` or `{base}/{key}`. Config lookups take no team.
const vault: Forward = (kind, key, kwargs) => {
  const mountPoint = opt(kwargs, "mount_point", "secret");
  const name = `${PLURAL[kind]}_path`;
  let base = opt(kwargs, name, PLURAL[kind]);
  if (base === null) nullPrefix(name, kind);
  base = rstripChars(base, "/");
  const version = kwargs.kv_engine_version ?? 2;
  if (version !== 1 && version !== 2 && version !== "1" && version !== "2") refuse("backend_kwargs.kv_engine_version must be 1 or 2");
  const bases: string[] = [];
  if (kind !== "config" && kwargs.multi_team === true) {
    const t = kwargs.team_name;
    const useTeam = kwargs.use_team_secrets_path ?? true;
    if (useTeam && typeof t === "string") bases.push(`${base}/${t}`);
    const global = opt(kwargs, "global_secrets_path", null);
    bases.push(global === null ? base : `${base}/${rstripChars(global, "/")}`);
  } else {
    bases.push(base);
  }
  const ids: SecretId[] = [];
  for (const b of bases) {
    const id = vaultSecretAt(mountPoint, b, key);
    if (id === "no mount") {
      if (ids.length === 0) refuse("mount_point is null and the key has no '/', so the backend has no mount point and never looks it up");
      continue;
    }
    if (id === "invalid path") {
      if (ids.length === 0) {
        refuse("mount_point is null and the path has no mount segment before a '/', so the Vault client raises InvalidPath");
      }
      break; // the exception ends the lookup: later ids are never tried
    }
    ids.push(id);
  }
  return { ids };
};

function vaultSecretAt(mountPoint: string | null, base: string, key: string): VaultSecretId | "no mount" | "invalid path" {
  // VaultBackend._parse_path
  let mount = "";
  let keyPart = key;
  if (!mountPoint) {
    const slash = key.indexOf("/");
    if (slash < 0) return "no mount";
    mount = key.slice(0, slash);
    keyPart = key.slice(slash + 1);
  }
  const secretPath = base === "" ? keyPart : `${base}/${keyPart}`;
  if (mountPoint) return { mount_point: mountPoint, path: secretPath };
  // _VaultClient._parse_secret_path on `(mount + "/" if mount else "") + secret_path`
  const full = mount ? `${mount}/${secretPath}` : secretPath;
  const slash = full.indexOf("/");
  if (slash < 0) return "invalid path";
  return { mount_point: full.slice(0, slash), path: full.slice(slash + 1) };
}

// airflow/secrets/environment_variables.py
const env: Forward = (kind, key, kwargs) => {
  if (kind === "config")
    refuse("the environment variables backend serves connections and variables only; config comes from AIRFLOW__SECTION__KEY");
  if (namesTeamNamespace(key)) refuse(`'${key}' spells out a team namespace (_<team>___<id>); Airflow 3.3.1+ never resolves it`);
  const prefix = kind === "connection" ? "AIRFLOW_CONN_" : "AIRFLOW_VAR_";
  const t = team(kwargs);
  const global = `${prefix}${key.toUpperCase()}`;
  return { ids: t === null ? [global] : [`${prefix}_${t.toUpperCase()}___${key.toUpperCase()}`, global] };
};

// airflow/secrets/local_filesystem.py: the key is the file entry, matched exactly.
const local: Forward = (_kind, key, kwargs) => {
  const t = team(kwargs);
  if (t !== null && key.includes("___")) refuse("in multi-team mode a key containing '___' is never looked up");
  return { ids: t === null ? [key] : [`${t}___${key}`, key] };
};

function withTeam(
  kwargs: Kwargs,
  key: string,
  build: (id: string) => string,
  teamId: (team: string) => string,
  teamSep: string,
): { ids: SecretId[]; warnings?: string[] } {
  const t = team(kwargs);
  if (t === null) {
    return key.includes(teamSep)
      ? {
          ids: [build(key)],
          warnings: [`'${key}' contains '${teamSep}': newest providers in multi-team mode treat it as team-scoped and never look it up`],
        }
      : { ids: [build(key)] };
  }
  if (key.includes(teamSep)) refuse(`'${key}' contains '${teamSep}', which is ambiguous in multi-team mode, so it is not looked up`);
  return { ids: [teamId(t), build(key)] };
}

export const BACKEND_LOOKUP_RULES: Readonly<Record<BackendName, Forward>> = {
  "aws-secrets-manager": awsSecretsManager,
  "aws-ssm": awsSsm,
  "azure-key-vault": azureKeyVault,
  "gcp-secret-manager": gcpSecretManager,
  vault,
  env,
  local,
};

import { BACKEND_LOOKUP_RULES, type Kwargs, NamingRefusal, opt } from "./backendLookupRules.ts";

/**
 * Which secret each Airflow secrets backend looks up for a key, and back. Options are the
 * backends' own `backend_kwargs` (paste `AIRFLOW__SECRETS__BACKEND_KWARGS`); other kwargs (region,
 * credentials…) are accepted and ignored, as the backends pass them on to their clients.
 * Each backend's rule, with the provider file it follows, is in backendLookupRules.ts.
 *
 * Multi-team (Airflow 3.3.1+/newest providers): `team_name` applies only with `multi_team: true`,
 * since Airflow passes a team only in multi-team mode; the team-scoped id is then tried first.
 */
export type BackendName = "aws-secrets-manager" | "aws-ssm" | "azure-key-vault" | "gcp-secret-manager" | "vault" | "env" | "local";
export type NamingKind = "connection" | "variable" | "config";
export type VaultSecretId = { mount_point: string | null; path: string };
export type SecretId = string | VaultSecretId;

export type SecretIdResult =
  | {
      ok: true;
      secretId: SecretId;
      /** Every id the backend tries, in order, when more than one (multi-team); `secretId` is the first. */
      lookupOrder?: SecretId[];
      warnings?: string[];
    }
  | { ok: false; reason: string };

export type KeysResult = { ok: true; kind: NamingKind; keys: string[]; note?: string } | { ok: false; reason: string };

export const BACKEND_NAMES: readonly BackendName[] = [
  "aws-secrets-manager",
  "aws-ssm",
  "azure-key-vault",
  "gcp-secret-manager",
  "vault",
  "env",
  "local",
];

const ALIASES: Readonly<Record<string, BackendName>> = {
  aws_secrets_manager: "aws-secrets-manager",
  secrets_manager: "aws-secrets-manager",
  aws_ssm: "aws-ssm",
  ssm: "aws-ssm",
  aws_systems_manager: "aws-ssm",
  azure_key_vault: "azure-key-vault",
  gcp_secret_manager: "gcp-secret-manager",
  google_cloud_secret_manager: "gcp-secret-manager",
  vault: "vault",
  hashicorp_vault: "vault",
  env: "env",
  environment_variables: "env",
  local: "local",
  local_filesystem: "local",
};

/** Accepts the kebab-case names and the snake_case names of backend-naming.json (`hashicorp_vault`, `environment_variables`…). */
export function normalizeBackendName(name: string): BackendName | null {
  return ALIASES[name.trim().toLowerCase().replaceAll("-", "_")] ?? null;
}

/** The secret id backend B looks up for a key (Vault: mount point and path), or why it never looks it up. */
export function secretIdForKey(backend: BackendName, kind: NamingKind, key: string, backendKwargs: Kwargs = {}): SecretIdResult {
  try {
    const { ids, warnings } = BACKEND_LOOKUP_RULES[backend](kind, key, backendKwargs);
    const [first] = ids;
    if (first === undefined) return { ok: false, reason: "no id" };
    return { ok: true, secretId: first, ...(ids.length > 1 ? { lookupOrder: ids } : {}), ...(warnings ? { warnings } : {}) };
  } catch (e) {
    if (e instanceof NamingRefusal) return { ok: false, reason: e.message };
    throw e;
  }
}

/** The id as one string: Vault ids are written `<mount_point>/<path>`. */
export function secretIdText(id: SecretId): string {
  return typeof id === "string" ? id : `${id.mount_point ?? ""}/${id.path}`;
}

/** True when backend B, looking up `key`, reads `secretId` (any step of its lookup order). The engine's disambiguator. */
export function keyMatchesSecretId(
  backend: BackendName,
  kind: NamingKind,
  key: string,
  secretId: string,
  backendKwargs: Kwargs = {},
): boolean {
  const r = secretIdForKey(backend, kind, key, backendKwargs);
  if (!r.ok) return false;
  return (r.lookupOrder ?? [r.secretId]).some((id) => secretIdText(id) === normalizeVaultId(backend, secretId, backendKwargs));
}

// Vault events and audit logs name KV v2 secrets by their API path (`<mount>/data/<path>`).
function normalizeVaultId(backend: BackendName, secretId: string, kwargs: Kwargs): string {
  if (backend !== "vault" || String(kwargs.kv_engine_version ?? 2) !== "2") return secretId;
  return secretId.replace(/^([^/]+)\/(?:data|metadata)\//, "$1/");
}

const MARK = "\u0000";

// Beyond 2^8 spellings the candidates are not listed: callers test their known keys instead.
const MAX_SPELLED_OUT = 8;

/** Where a kind's ids sit: the text before and after the key; null: never looked up; "per-mount": it depends on the id's mount. */
type IdTemplate = { readonly prefix: string; readonly suffix: string } | null | "per-mount";

interface IdTemplates {
  /** The kwargs of the global (team-less) lookup, without the patterns that would refuse the marker. */
  readonly withoutPatterns: Kwargs;
  readonly templates: readonly { readonly kind: NamingKind; readonly template: IdTemplate }[];
}

// keysForSecretId runs once per secret of a listing (10,000 in a listing of 10,000, again at each
// reconciliation), and its templates depend only on the backend and its kwargs, which a source
// fixes when it is built: made once per kwargs object, not three rule lookups per secret.
const templatesByKwargs = new WeakMap<Kwargs, Map<BackendName, IdTemplates>>();

function idTemplates(backend: BackendName, kwargs: Kwargs): IdTemplates {
  let byBackend = templatesByKwargs.get(kwargs);
  if (byBackend === undefined) {
    byBackend = new Map();
    templatesByKwargs.set(kwargs, byBackend);
  }
  const known = byBackend.get(backend);
  if (known !== undefined) return known;
  const withoutPatterns = Object.fromEntries(
    Object.entries(kwargs).filter(([k]) => !k.endsWith("_lookup_pattern") && k !== "multi_team" && k !== "team_name"),
  );
  const templates = (["connection", "variable", "config"] as const).map((kind) => {
    if (backend === "vault" && !opt(kwargs, "mount_point", "secret")) return { kind, template: "per-mount" as const };
    const t = secretIdForKey(backend, kind, MARK, withoutPatterns);
    if (!t.ok) return { kind, template: null };
    const [prefix, suffix] = secretIdText(t.secretId).split(MARK) as [string, string];
    return { kind, template: { prefix, suffix } };
  });
  const made = { withoutPatterns, templates };
  byBackend.set(backend, made);
  return made;
}

function candidatesFor(backend: BackendName, rest: string, kwargs: Kwargs): string[] {
  if (backend === "env") return [rest.toLowerCase()];
  if (backend === "azure-key-vault") {
    const sep = typeof kwargs.sep === "string" ? kwargs.sep : "-";
    if (sep.length !== 1 || sep === "_") return [rest];
    const parts = rest.split(sep);
    const n = parts.length - 1;
    if (n === 0) return [rest];
    if (n > MAX_SPELLED_OUT) return [parts.join("_"), rest];
    const out: string[] = [];
    // Underscore forms first: Airflow conn ids conventionally use `_`.
    for (let mask = (1 << n) - 1; mask >= 0; mask--) {
      let s = parts[0] as string;
      for (let i = 0; i < n; i++) s += ((mask >> (n - 1 - i)) & 1 ? "_" : sep) + parts[i + 1];
      out.push(s);
    }
    return out;
  }
  return [rest];
}

/**
 * The reverse: which kind and key(s) a backend's secret id names (what event handling needs).
 * Lossy backends return every candidate: Key Vault turns `_` into `-` (so `a-b` may be `a_b` or
 * `a-b`), env var names ignore case. Callers disambiguate by checking the keys they already know
 * (state, the Deployment's include patterns) with `keyMatchesSecretId`; for a key not known yet
 * the first candidate (underscore, lower-case form) is the one to use.
 */
export function keysForSecretId(backend: BackendName, secretId: string, backendKwargs: Kwargs = {}): KeysResult {
  const id = normalizeVaultId(backend, secretId, backendKwargs);
  if (backend === "local")
    return { ok: false, reason: "a local-filesystem entry's kind is given by the file that holds it, not by its name" };
  const { withoutPatterns, templates } = idTemplates(backend, backendKwargs);
  const matches: { kind: NamingKind; keys: string[]; prefixLength: number; team?: string }[] = [];
  const refusals: string[] = [];
  for (const { kind, template } of templates) {
    if (template === "per-mount") {
      // mount_point null: the key's first segment is the mount (`airflow/conn` → mount airflow).
      const slash = id.indexOf("/");
      if (slash < 0) continue;
      const mount = id.slice(0, slash);
      const t = secretIdForKey(backend, kind, `${mount}/${MARK}`, withoutPatterns);
      if (!t.ok) continue;
      const [prefix, suffix] = secretIdText(t.secretId).split(MARK) as [string, string];
      if (!id.startsWith(prefix)) continue;
      const rest = id.slice(prefix.length, id.length - suffix.length);
      if (rest !== "") matches.push({ kind, keys: [`${mount}/${rest}`], prefixLength: prefix.length });
      continue;
    }
    if (template === null) continue;
    const { prefix, suffix } = template;
    if (!id.startsWith(prefix) || !id.endsWith(suffix) || id.length <= prefix.length + suffix.length) continue;
    const rest = id.slice(prefix.length, id.length - suffix.length);
    const scoped = teamScoped(backend, rest, backendKwargs);
    const kwargs = scoped ? { ...backendKwargs, team_name: scoped.team } : backendKwargs;
    const keyText = scoped ? scoped.key : rest;
    const keys = candidatesFor(backend, keyText, kwargs).filter((k) => keyMatchesSecretId(backend, kind, k, id, kwargs));
    if (keys.length === 0) {
      const r = secretIdForKey(backend, kind, candidatesFor(backend, keyText, kwargs)[0] ?? keyText, kwargs);
      if (!r.ok) refusals.push(r.reason);
      continue;
    }
    matches.push({ kind, keys, prefixLength: prefix.length, ...(scoped ? { team: scoped.team } : {}) });
  }
  if (matches.length === 0) {
    return { ok: false, reason: refusals[0] ?? `'${secretId}' is not under any prefix this ${backend} backend configuration looks up` };
  }
  matches.sort((a, b) => b.prefixLength - a.prefixLength);
  const [best, second] = matches as [(typeof matches)[0], ...(typeof matches)[number][]];
  if (second !== undefined && second.prefixLength === best.prefixLength) {
    return { ok: false, reason: `'${secretId}' is ambiguous: it could be a ${best.kind} or a ${second.kind} (their prefixes are equal)` };
  }
  const notes: string[] = [];
  if (best.team !== undefined) notes.push(`a secret scoped to team '${best.team}' (multi-team mode)`);
  if (backend === "azure-key-vault" && best.keys.length === 2 && (best.keys[1] ?? "").split("-").length - 1 > MAX_SPELLED_OUT) {
    notes.push(
      "Key Vault turns '_' into '-': every mix of '_' and '-' at each '-' names this secret (only the all-'_' and all-'-' forms are listed); resolve it against the keys already known with keyMatchesSecretId",
    );
  } else if (backend === "azure-key-vault" && best.keys.length > 1) {
    notes.push(
      `Key Vault turns '_' into '-', so ${best.keys.length} keys name this secret: resolve it against the keys already known (keyMatchesSecretId); a key not known yet is taken in the first, underscore form`,
    );
  } else if (backend === "env") {
    notes.push("env var names ignore case: any casing of this key reads the variable; the key is shown lower-cased");
  }
  return { ok: true, kind: best.kind, keys: best.keys, ...(notes.length > 0 ? { note: notes.join("; ") } : {}) };
}

// Multi-team ids carry the team before the key: `<prefix><sep><team>--<key>` for the cloud
// backends, `AIRFLOW_CONN__<TEAM>___<ID>` for env vars. Only read that way in multi-team mode.
function teamScoped(backend: BackendName, rest: string, kwargs: Kwargs): { team: string; key: string } | null {
  if (kwargs.multi_team !== true) return null;
  if (backend === "env") {
    const m = /^_([a-zA-Z0-9-]{3,50})___(.+)$/s.exec(rest);
    return m ? { team: (m[1] as string).toLowerCase(), key: m[2] as string } : null;
  }
  if (backend === "vault") {
    // `{base}/{team}/{key}`: only the configured team can be told apart from a key with a '/'.
    // With an empty base path build_path still joins with "/", so the team id reads `/team/key`.
    const t = kwargs.team_name;
    if (typeof t !== "string" || t === "") return null;
    const lead = rest.startsWith(`/${t}/`) ? `/${t}/` : rest.startsWith(`${t}/`) ? `${t}/` : null;
    return lead !== null && rest.length > lead.length ? { team: t, key: rest.slice(lead.length) } : null;
  }
  if (backend === "local") return null;
  const at = rest.indexOf("--");
  return at > 0 && at + 2 < rest.length ? { team: rest.slice(0, at), key: rest.slice(at + 2) } : null;
}

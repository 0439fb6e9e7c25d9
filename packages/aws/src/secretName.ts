/**
 * Secrets Manager names a secret three ways: its name, its full ARN
 * (`arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 random chars>`) or a partial ARN
 * (the full ARN without the dash and suffix). Callers may pass any of them, so events carry any
 * of them; everything afsync keys on is the plain name.
 */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]*):(\d{12}|[^:]*):secret:(.+)$/;
const RANDOM_SUFFIX = /-[A-Za-z0-9]{6}$/;

export interface ParsedSecretId {
  readonly name: string;
  readonly arn?: { readonly region: string; readonly account: string; readonly full: boolean };
}

/**
 * The secret name behind an id. `fullArn` says the ARN came from a field that always holds the
 * full ARN (responseElements, resources, additionalEventData); otherwise an ARN ending in
 * `-XXXXXX` is still taken as full, which is why AWS asks that names not end that way.
 */
export function parseSecretId(id: string, fullArn = false): ParsedSecretId {
  const match = SECRET_ARN.exec(id);
  if (!match) return { name: id };
  const [, region = "", account = "", rest = ""] = match;
  const full = fullArn || RANDOM_SUFFIX.test(rest);
  return { name: full ? rest.replace(RANDOM_SUFFIX, "") : rest, arn: { region, account, full } };
}

export function secretNameOf(id: string, fullArn = false): string {
  return parseSecretId(id, fullArn).name;
}

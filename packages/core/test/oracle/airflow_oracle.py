"""The Python side of the Airflow differential (packages/core/test/oracle/airflowDifferential.test.ts).

Reads one JSON case per line on stdin and writes Airflow's answer for it as one JSON line on
stdout. Everything that decides an answer runs on CPython's own standard library, the code
Airflow itself runs on: urllib.parse (urlsplit, parse_qsl, quote, urlencode, unquote),
json (loads, dumps with float repr, NaN), int(), str.upper(), str.rstrip(), re.

The Airflow logic is restated here, step for step, from the source of record listed in
SOURCES.md (airflow-core models/connection.py, secrets/environment_variables.py,
secrets/local_filesystem.py, and the Vault, Key Vault, Secrets Manager, SSM and Secret Manager
providers). It is not a copy of that source: the workplace this project is built in keeps
public repositories' code out of commits. Where a step is subtle, the comment names the
Airflow line it follows.

Ops:
  parse_uri  {uri}                       -> Connection(uri=...) fields
  from_json  {text}                      -> Connection.from_json(text) fields
  get_uri    {conn}                      -> Connection(**conn).get_uri()
  as_json    {conn}                      -> as_json() of the newest core, and with extra parsed plainly
  name       {backend, kind, key, kwargs} -> the secret ids the backend asks for, in order
Errors are {"ok": false, "error": <exception class name>}; the message is not echoed (it may
quote a secret).
"""

import json
import re
import sys
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit


class AirflowException(Exception):
    pass


class InvalidPath(Exception):
    pass


# ---------------------------------------------------------------- the connection model


def normalize_conn_type(conn_type):
    # Connection._normalize_conn_type
    if conn_type == "postgresql":
        return "postgres"
    if "-" in conn_type:
        return conn_type.replace("-", "_")
    return conn_type


def netloc_hostname(parts):
    # _parse_netloc_to_hostname: urllib's (lower-cased) hostname unless it holds a "/"
    hostname = unquote(parts.hostname or "")
    if "/" in hostname:
        hostname = parts.netloc
        if "@" in hostname:
            hostname = hostname.rsplit("@", 1)[1]
        if ":" in hostname:
            hostname = hostname.split(":", 1)[0]
        hostname = unquote(hostname)
    return hostname


def validate_extra(extra):
    # Connection._validate_extra: a JSON-encoded dict or ValueError
    if extra is None:
        return
    try:
        parsed = json.loads(extra)
    except json.JSONDecodeError:
        raise ValueError("non-JSON extra")
    if not isinstance(parsed, dict):
        raise ValueError("extra is not a dict")


class Conn:
    """The fields the ORM Connection keeps, with its setters' quirks."""

    def __init__(self, conn_type=None, description=None, host=None, login=None, password=None,
                 schema=None, port=None, extra=None, uri=None, team_name=None):
        # Connection.__init__ (newest core)
        self.conn_type = None
        self.description = description
        self._password = None
        self._extra = None
        if extra and not isinstance(extra, str):
            extra = json.dumps(extra)
        if uri and (conn_type or host or login or password or schema or port or extra):
            raise AirflowException("mixed uri and fields")
        if uri:
            self.parse_from_uri(uri)
        else:
            if conn_type is not None:
                self.conn_type = conn_type
            self.host = host
            self.login = login
            self.password = password
            self.schema = schema
            self.port = port
            self.extra = extra
        if self.extra:
            validate_extra(self.extra)
        self.team_name = team_name

    # set_password: only a truthy value is stored
    @property
    def password(self):
        return self._password

    @password.setter
    def password(self, value):
        if value:
            self._password = value

    # set_extra: a truthy value is validated and stored, anything else stored as is
    @property
    def extra(self):
        return self._extra

    @extra.setter
    def extra(self, value):
        if value:
            validate_extra(value)
        self._extra = value

    def parse_from_uri(self, uri):
        # Connection._parse_from_uri
        schemes = uri.count("://")
        if schemes > 2:
            raise AirflowException("Invalid connection string")
        host_with_protocol = schemes == 2
        parts = urlsplit(uri)
        conn_type = parts.scheme
        self.conn_type = normalize_conn_type(conn_type)
        rest = uri.replace(f"{conn_type}://", ("" if host_with_protocol else "//"))
        if host_with_protocol:
            before = rest.split("://", 1)
            if "@" in before[0] or ":" in before[0]:
                raise AirflowException("Invalid connection string")
        parts = urlsplit(rest)
        protocol = parts.scheme if host_with_protocol else None
        host = netloc_hostname(parts)
        # _create_host
        self.host = host if not host else (f"{protocol}://{host}" if protocol else host)
        quoted_schema = parts.path[1:]
        self.schema = unquote(quoted_schema) if quoted_schema else quoted_schema
        self.login = unquote(parts.username) if parts.username else parts.username
        self.password = unquote(parts.password) if parts.password else parts.password
        self.port = parts.port
        if parts.query:
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            if "__extra__" in query:
                self.extra = query["__extra__"]
            else:
                self.extra = json.dumps(query)

    def extra_dejson(self, reparse_strings):
        # get_extra_dejson; the newest core also re-reads every string value as JSON
        extra = {}
        if self.extra:
            try:
                extra = json.loads(self.extra)
                if reparse_strings:
                    for key, value in extra.items():
                        if isinstance(value, str):
                            try:
                                extra[key] = json.loads(value)
                            except (json.JSONDecodeError, TypeError):
                                pass
            except json.JSONDecodeError:
                pass
        return extra

    def get_uri(self):
        # Connection.get_uri (newest core)
        uri = f"{self.conn_type.lower().replace('_', '-')}://" if self.conn_type else "//"
        if self.host and "://" in self.host:
            protocol, host = self.host.split("://", 1)
            if protocol == self.conn_type:
                host_to_use, protocol_to_add = self.host, None
            else:
                host_to_use, protocol_to_add = host, protocol
        else:
            host_to_use, protocol_to_add = self.host, None
        if protocol_to_add:
            uri += f"{protocol_to_add}://"
        authority = ""
        if self.login is not None:
            authority += quote(self.login, safe="")
        if self.password is not None:
            authority += ":" + quote(self.password, safe="")
        if authority > "":
            authority += "@"
            uri += authority
        host_block = ""
        if host_to_use:
            host_block += quote(host_to_use, safe="")
        if self.port:
            host_block += f"@:{self.port}" if host_block == "" and authority == "" else f":{self.port}"
        if self.schema:
            host_block += f"/{quote(self.schema, safe='')}"
        uri += host_block
        if self.extra:
            try:
                stringified = {k: stringify_extra_value(v) for k, v in self.extra_dejson(True).items()}
                query = urlencode(stringified)
            except TypeError:
                query = None
            if query and stringified == dict(parse_qsl(query, keep_blank_values=True)):
                uri += ("?" if self.schema else "/?") + query
            else:
                uri += ("?" if self.schema else "/?") + urlencode({"__extra__": self.extra})
        return uri

    def as_json(self, reparse_strings):
        # to_dict(prune_empty=True) then json.dumps; prune_dict "strict" drops only None
        fields = {"conn_type": self.conn_type, "description": self.description, "host": self.host,
                  "login": self.login, "password": self.password, "schema": self.schema, "port": self.port}
        out = {k: v for k, v in fields.items() if v is not None}
        extra = self.extra_dejson(reparse_strings)
        if extra:
            out["extra"] = extra
        return json.dumps(out)


def stringify_extra_value(value):
    # Connection._stringify_extra_value
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    return str(value)


def from_json(text):
    # Connection.from_json (newest core, outside a task's execution context)
    kwargs = json.loads(text)
    extra = kwargs.pop("extra", None)
    if extra:
        kwargs["extra"] = extra if isinstance(extra, str) else json.dumps(extra)
    conn_type = kwargs.pop("conn_type", None)
    if conn_type:
        kwargs["conn_type"] = normalize_conn_type(conn_type)
    port = kwargs.pop("port", None)
    if port:
        try:
            kwargs["port"] = int(port)
        except ValueError:
            raise ValueError("Expected integer value for `port`")
    return Conn(**kwargs)


def plain(value):
    """A field value JavaScript's JSON.parse reads exactly; anything else is shown by its repr."""
    if value is None or isinstance(value, str):
        return value
    if type(value) is int and abs(value) <= 2**53:
        return value
    return {"py": type(value).__name__, "repr": repr(value)}


def fields_of(conn):
    extra = conn.extra
    return {
        "conn_type": plain(conn.conn_type),
        "description": plain(conn.description),
        "host": plain(conn.host),
        "login": plain(conn.login),
        "password": plain(conn.password),
        "schema": plain(conn.schema),
        "port": plain(conn.port),
        # the stored extra text, re-dumped so both sides compare one spelling of one object
        "extra": json.dumps(json.loads(extra)) if extra else None,
        "team_name": plain(conn.team_name),
    }


def conn_from_case(c):
    # extra_text is read by json.loads and stored as json.dumps writes it, as from_json stores it
    text = c.get("extra_text")
    return Conn(conn_type=c.get("conn_type"), host=c.get("host"), login=c.get("login"),
                password=c.get("password"), schema=c.get("schema"), port=c.get("port"),
                extra=None if text is None else json.dumps(json.loads(text)))


# ---------------------------------------------------------------- secrets backends' naming

PLURAL = {"connection": "connections", "variable": "variables", "config": "config"}


def kw(kwargs, name, default):
    return kwargs[name] if name in kwargs else default


def build_path(prefix, secret_id, sep="/"):
    # BaseSecretsBackend.build_path
    return f"{prefix}{sep}{secret_id}"


def lookup_pattern_allows(kwargs, kind, key):
    pattern = kwargs.get(f"{PLURAL[kind]}_lookup_pattern")
    return not pattern or re.match(pattern, key, re.IGNORECASE) is not None


def name_aws_secrets_manager(kind, key, kwargs):
    sep = kw(kwargs, "sep", "/")
    prefix = kw(kwargs, f"{PLURAL[kind]}_prefix", f"airflow/{PLURAL[kind]}")
    if prefix:
        prefix = prefix.rstrip(sep)
    if prefix is None or not lookup_pattern_allows(kwargs, kind, key):
        return []
    return [build_path(prefix, key, sep) if prefix else key]


def name_aws_ssm(kind, key, kwargs):
    prefix = kw(kwargs, f"{PLURAL[kind]}_prefix", f"/airflow/{PLURAL[kind]}")
    if prefix is None:
        return []
    prefix = prefix.rstrip("/")
    if not lookup_pattern_allows(kwargs, kind, key):
        return []
    path = build_path(prefix, key)
    return [path if path.startswith("/") else f"/{path}"]


def name_gcp(kind, key, kwargs):
    sep = kw(kwargs, "sep", "-")
    conn_prefix = kw(kwargs, "connections_prefix", "airflow-connections")
    # _is_valid_prefix_and_sep at __init__ (SECRET_ID_PATTERN), only when connections_prefix is set
    if conn_prefix is not None and not re.match(r"^[a-zA-Z0-9-_]*$", conn_prefix + sep):
        raise AirflowException("invalid prefix and sep")
    prefix = kw(kwargs, f"{PLURAL[kind]}_prefix", f"airflow-{PLURAL[kind]}")
    if prefix is None:
        return []
    return [build_path(prefix, key, sep)]


def name_azure(kind, key, kwargs):
    sep = kw(kwargs, "sep", "-")
    prefix = kw(kwargs, f"{PLURAL[kind]}_prefix", f"airflow-{PLURAL[kind]}")
    if prefix:
        prefix = prefix.rstrip(sep)
    if prefix is None:
        return []

    def path(p, secret_id):
        return (secret_id if p == "" else f"{p}{sep}{secret_id}").replace("_", sep)

    if kind == "config":
        return [path(prefix, key)]
    team = kwargs.get("team_name") if kwargs.get("multi_team") is True else None
    # _is_team_specific_accessed_as_global
    team_pattern = rf"[^{re.escape(sep)}]+{re.escape('--')}.+"
    if team is None and re.fullmatch(team_pattern, key.replace("_", sep)):
        return []
    ids = []
    if team:
        ids.append(path(prefix, f"{path('', team)}--{key.replace('_', sep)}"))
    ids.append(path(prefix, key))
    return ids


def name_vault(kind, key, kwargs):
    mount_point = kw(kwargs, "mount_point", "secret")
    base = kw(kwargs, f"{PLURAL[kind]}_path", PLURAL[kind])
    if base is None:
        return []
    base = base.rstrip("/")

    def secret_at(base_path):
        # VaultBackend._parse_path then _get_secret_with_base, then the client's _parse_secret_path
        if not mount_point:
            split = key.split("/", 1)
            if len(split) < 2:
                return None
            mount, key_part = split
        else:
            mount, key_part = "", key
        secret_path = key_part if base_path == "" else build_path(base_path, key_part)
        full = (mount + "/" if mount else "") + secret_path
        if not mount_point:
            split = full.split("/", 1)
            if len(split) < 2:
                raise InvalidPath("no mount segment")
            return {"mount_point": split[0], "path": split[1]}
        return {"mount_point": mount_point, "path": full}

    bases = []
    if kind != "config" and kwargs.get("multi_team") is True:
        team = kwargs.get("team_name")
        global_path = kwargs.get("global_secrets_path")
        if global_path is not None:
            global_path = global_path.rstrip("/")
        if kwargs.get("use_team_secrets_path", True) and team is not None:
            bases.append(build_path(base, team))
        bases.append(build_path(base, global_path) if global_path is not None else base)
    else:
        bases.append(base)
    ids = []
    for b in bases:
        try:
            secret = secret_at(b)
        except InvalidPath:
            break  # the exception leaves the backend: nothing after it is asked for
        if secret is not None:
            ids.append(secret)
    return ids


def name_env(kind, key, kwargs):
    if kind == "config":
        return []
    return [("AIRFLOW_CONN_" if kind == "connection" else "AIRFLOW_VAR_") + key.upper()]


def name_local(kind, key, kwargs):
    return [key]


NAMERS = {
    "aws-secrets-manager": name_aws_secrets_manager,
    "aws-ssm": name_aws_ssm,
    "gcp-secret-manager": name_gcp,
    "azure-key-vault": name_azure,
    "vault": name_vault,
    "env": name_env,
    "local": name_local,
}


# ---------------------------------------------------------------- driver


def answer(case):
    op = case["op"]
    if op == "parse_uri":
        return {"ok": True, "c": fields_of(Conn(uri=case["uri"]))}
    if op == "from_json":
        return {"ok": True, "c": fields_of(from_json(case["text"]))}
    if op == "get_uri":
        return {"ok": True, "uri": conn_from_case(case["conn"]).get_uri()}
    if op == "as_json":
        conn = conn_from_case(case["conn"])
        return {"ok": True, "plain": conn.as_json(False), "newest": conn.as_json(True)}
    if op == "name":
        return {"ok": True, "ids": NAMERS[case["backend"]](case["kind"], case["key"], case["kwargs"])}
    raise KeyError(op)


def main():
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        case = json.loads(line)
        try:
            result = answer(case)
        except Exception as e:  # noqa: BLE001 - any exception is Airflow refusing the input
            result = {"ok": False, "error": type(e).__name__}
        out.write(json.dumps(result, allow_nan=False) + "\n")


if __name__ == "__main__":
    main()

# Airflow's Connection._parse_from_uri (airflow-core/src/airflow/models/connection.py, 2.6+/3.x)
# run on real CPython urllib: the oracle for packages/core/test/formats/urllibConformance.test.ts.
# Reads one JSON-encoded URI per line; prints {"ok": true, "c": fields} or {"ok": false}.
import json, sys
from urllib.parse import urlsplit, unquote, parse_qsl

def _parse_netloc_to_hostname(uri_parts):
    hostname = unquote(uri_parts.hostname or "")
    if "/" in hostname:
        hostname = uri_parts.netloc
        if "@" in hostname:
            hostname = hostname.rsplit("@", 1)[1]
        if ":" in hostname:
            hostname = hostname.split(":", 1)[0]
        hostname = unquote(hostname)
    return hostname

def norm(t):
    if t == "postgresql": return "postgres"
    elif "-" in t: return t.replace("-", "_")
    return t

def parse(uri):
    n = uri.count("://")
    if n > 2: raise ValueError("Invalid connection string")
    hwp = n == 2
    p = urlsplit(uri)
    ct = p.scheme
    rest = uri.replace(f"{ct}://", ("" if hwp else "//"))
    if hwp:
        s = rest.split("://", 1)
        if "@" in s[0] or ":" in s[0]: raise ValueError("Invalid connection string")
    p = urlsplit(rest)
    protocol = p.scheme if hwp else None
    host = _parse_netloc_to_hostname(p)
    if host and protocol: host = f"{protocol}://{host}"
    qs = p.path[1:]
    schema = unquote(qs) if qs else qs
    login = unquote(p.username) if p.username else p.username
    password = unquote(p.password) if p.password else p.password
    if password == "": password = None
    port = p.port
    extra = None
    if p.query:
        q = dict(parse_qsl(p.query, keep_blank_values=True))
        if "__extra__" in q:
            extra = q["__extra__"]
            extra = json.loads(extra) if extra else None
            if extra is not None and not isinstance(extra, dict): raise ValueError("not dict")
        else:
            extra = q
    return {"conn_type": norm(ct), "host": host, "login": login, "password": password, "schema": schema, "port": port, "extra": extra}

out = []
for line in sys.stdin:
    uri = json.loads(line)
    try:
        out.append({"ok": True, "c": parse(uri)})
    except Exception as e:
        out.append({"ok": False})
for o in out: print(json.dumps(o))

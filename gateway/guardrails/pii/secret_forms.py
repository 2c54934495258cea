"""Passwords in tools' own formats: a table's password column (a password manager's CSV export),
XML settings (<password>X</password>), a Wi-Fi QR payload, Postman-style key/value variables, a
terraform plan's "old" -> "new", PostgreSQL's .pgpass lines, OpenWrt's ``option key``, curl's
``-u user:secret``. Judged as ``secrets.py``'s configuration passwords are (placeholders, variables
and code are no passwords)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from gateway.guardrails.pii import credential_forms
from gateway.guardrails.pii.detector import Detector, has_any, needles, starting_with
from gateway.guardrails.pii.scan import Finding, Scan, found
from gateway.guardrails.pii.secrets import HASHED, NOT_A_PASSWORD, PASSWORD, config_password

_UCI_WORDS = needles("encryption", "password", "passwd", "psk")
_SECRET_NAME = re.compile(r"(?i)pass|pwd|secret|token|api[_-]?key|credential|auth")


def _named_value(match: re.Match[str], scan: Scan) -> Finding | None:
    """A key-value pair whose key names a secret."""
    if _SECRET_NAME.search(match["name"]) is None:
        return None
    return config_password(match, scan)


# Keys that name a password but hold something else about it: its policy, length, hash, expiry...
_NOT_THE_PASSWORD = frozenset(
    """policy policies length len min max minimum maximum hash hashed salt expiry expires expiration expire reset
    change changed required enabled field label hint prompt url file path strength rule rules history age last type
    mode format id count attempts retries valid validation confirm confirmation ref env generator generate""".split()
)
_KEY_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _defined_password(match: re.Match[str], scan: Scan) -> Finding | None:
    """define('DB_PASSWORD', 'X') or <add key="...Password" value="X" />: the value, unquoted."""
    if match["xvalue"] is not None:
        start, end = match.span("xvalue")
    else:
        start, end = match.start("value") + 1, match.end("value") - 1
    value = scan.text[start:end]
    if not value.strip() or value.lower() in NOT_A_PASSWORD or value.startswith(("$", "%", "{", "<")):
        return None  # empty, a placeholder, a variable or a template
    return found(PASSWORD, start, end)


def _keyed_password(match: re.Match[str], scan: Scan) -> Finding | None:
    """A JSON, YAML or key/value line whose key names a password ("grafanaAdminPassword": "X",
    app:smtpPassword   X), not its policy or its length."""
    if not _NOT_THE_PASSWORD.isdisjoint(part.lower() for part in _KEY_PART.findall(match["name"])):
        return None
    value = match["value"].strip("\"'")
    if HASHED.match(value):
        return None  # "hmac-sha256:4e7d...": Vault's audit log hashes the values it records
    if (
        value.startswith(("[", "<", "("))
        or value.lower() in NOT_A_PASSWORD
        or value.lower() in ("true", "false", "null")
    ):
        return None
    return config_password(match, scan)


# A table's password column: the header cell names it, the cells below it are passwords (a password
# manager's CSV export, a spreadsheet of accounts).
_PASSWORD_HEADER = re.compile(
    r"(?i)[ \t\"]*(?:password|passwd|pwd|passphrase|pass|kennwort|passwort|mot de passe)[ \t\"]*"
)
_CELL = re.compile(r"(?P<value>\"[^\"\n]*\"|[^,\t|;\n]*)")
_TABLE_ROWS = 200
_MARKDOWN_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*")


def _column_cells(text: str) -> Iterator[re.Match[str]]:
    """The cells under a header cell that names a password, row by row while the rows have the
    header's number of cells."""
    line_start = 0
    while line_start < len(text):
        line_end = text.find("\n", line_start)
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end]
        delimiter = next((d for d in ",\t|;" if d in line), None)
        if delimiter is not None and ("pass" in line.lower() or "pwd" in line.lower() or "wort" in line.lower()):
            names = line.split(delimiter)
            columns = [i for i, name in enumerate(names) if _PASSWORD_HEADER.fullmatch(name)]
            above = text[text.rfind("\n", 0, max(0, line_start - 1)) + 1 : max(0, line_start - 1)]
            if line_start and len(_cell_starts(above, 0, len(above), delimiter)) == len(names):
                columns = []  # a row of the table, not its header ("login,pass" under "test,result")
            row_start = line_end + 1
            for _ in range(_TABLE_ROWS if columns else 0):
                if row_start >= len(text):
                    break
                row_end = text.find("\n", row_start)
                row_end = len(text) if row_end < 0 else row_end
                cells = _cell_starts(text, row_start, row_end, delimiter)
                if len(cells) != len(names):
                    break
                if _MARKDOWN_RULE.fullmatch(text, row_start, row_end):
                    row_start = row_end + 1  # a Markdown table's |---|---| under its header
                    continue
                for column in columns:
                    found_cell = _CELL.match(text, cells[column], row_end)
                    if found_cell is not None and found_cell.end() > found_cell.start():
                        yield found_cell
                row_start = row_end + 1
            line_end = max(line_end, row_start - 1)
        line_start = line_end + 1


_TEST_RESULTS = frozenset("pass passed fail failed skip skipped error ok flaky pending".split())


def _cell_password(match: re.Match[str], scan: Scan) -> Finding | None:
    value = match["value"].strip('" \t').lower()
    if value in NOT_A_PASSWORD or value in _TEST_RESULTS:
        return None  # a column called "pass" in a test report holds results
    return config_password(match, scan)


def _cell_starts(text: str, start: int, end: int, delimiter: str) -> list[int]:
    """Where each cell of the row ``text[start:end]`` begins (delimiters inside double quotes
    belong to their cell)."""
    starts, quoted = [start], False
    for index in range(start, end):
        char = text[index]
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            starts.append(index + 1)
    return starts


_PASSWORD_KEY_WORDS = needles("password", "passwd", "pwd")
_XML_SECRET_TAGS = needles("<pass", "<pwd", "<secret", "<token", "<api")
_PASSWORD_WORDS = needles("pass", "pwd", "wort")
# terraform plan's "password = "old" -> "new"" and a Wi-Fi pre-shared key: keyword-first, tried
# only where a keyword starts (detector.starting_with)
_PLANNED_CHANGE = re.compile(
    r"(?i:pass(?:word|wd)?|secret|token)[\"']?[ \t]*=[ \t]*\"[^\"\n]*\"[ \t]*->[ \t]*"
    r"\"(?P<value>[^\"\n]{1,64})\""
)
_WIFI_KEY = re.compile(
    r"(?i:\b(?:wpa2?-pre-shared-key|wpa2?_passphrase|wpa_psk|pre-shared-key|wpa-psk))[ \t]*[=:][ \t]*"
    r"(?P<value>\"[^\"\n]{3,64}\"|'[^'\n]{3,64}'|[^\s\"']{3,64})"
)

# a client's user and password side by side, tried where a word holding "auth" starts
_CLIENT_AUTH = re.compile(
    r"(?:\b(?:(?:http|basic|proxy|digest)_)?auth\s*=\s*(?:[\w.]{0,40}(?:Basic|Digest|Proxy)Auth\s*)?"
    r"|(?:HTTP)?(?:Basic|Digest|Proxy)Auth\s*)\(\s*[\"'][^\"'\n]{1,64}[\"']\s*,\s*"
    r"(?P<value>\"[^\"\n]{3,64}\"|'[^'\n]{3,64}')\s*\)"
)


DETECTORS = (
    Detector(
        (PASSWORD,),
        # a quoted key naming a password, a quoted value: JSON, YAML, a Terraform or Pulumi output
        re.compile(
            r"[\"'](?P<name>[\w.-]*(?i:password|passwd|pwd)[\w.-]*)[\"'][ \t]*:[ \t]*"
            r"(?P<value>\"[^\"\n]{1,128}\"|'[^'\n]{1,128}')"
        ),
        _keyed_password,
        has_any(*_PASSWORD_KEY_WORDS),
    ),
    Detector(
        (PASSWORD,),
        # an unquoted key that ends in a password's name, then its value: LDIF's "userPassword: X",
        # a properties file's "db.adminPassword=X" (a bare "password: X" is the keyword detector's)
        re.compile(
            r"(?m)^[ \t]*(?P<name>[\w.-]*[a-z_.-](?i:password|passwd|pwd))[ \t]*[:=][ \t]*"
            r"(?P<value>[^\s\"'][^\s]{3,127})[ \t]*$"
        ),
        _keyed_password,
        has_any(*_PASSWORD_KEY_WORDS),
    ),
    Detector(
        (PASSWORD,),
        # a key naming a password and its value as code and configs write them: PHP's
        # define('DB_PASSWORD', 'X'), .NET's <add key="ClearTextPassword" value="X" />
        re.compile(
            r"\bdefine\(\s*['\"](?P<name>\w*(?i:password|passwd|pwd)\w*)['\"]\s*,\s*(?P<value>'[^'\n]{1,128}'|\"[^\"\n]{1,128}\")"
            r"|<add\s+key=\"(?P<xname>[\w.:-]*(?i:password|passwd|pwd)[\w.:-]*)\"\s+value=\"(?P<xvalue>[^\"\n]{1,128})\""
        ),
        _defined_password,
        has_any(*_PASSWORD_KEY_WORDS),
    ),
    Detector(
        (PASSWORD,),
        # a settings listing, key and value in columns: "app:smtpPassword      mailRelay#2025!Kx"
        re.compile(
            r"(?m)^[ \t]*(?P<name>[\w:./-]*(?i:password|passwd|pwd)[\w:./-]*)[ \t]{2,}(?P<value>\S{4,128})[ \t]*$"
        ),
        _keyed_password,
        has_any(*_PASSWORD_KEY_WORDS),
    ),
    Detector(
        (PASSWORD,),
        # Windows' net use \\server\share /user:DOMAIN\name PASSWORD
        re.compile(r"(?i)\bnet[ \t]+use[ \t]+\S+[ \t]+/user:\S+[ \t]+(?P<value>[^\s/\"'*][^\s]{0,63})"),
        config_password,
        has_any("net use"),
    ),
    Detector(
        (PASSWORD,),
        # <password>X</password> (Maven's settings.xml, Jenkins' credentials.xml, .NET configs)
        re.compile(r"<(?i:password|passwd|pwd|secret|token|api[_-]?key|secretkey)>(?P<value>[^<\s]{1,64})</"),
        config_password,
        lambda scan: "</" in scan.text and scan.has(*_XML_SECRET_TAGS),
    ),
    Detector(
        (PASSWORD,),
        # a Wi-Fi QR code's payload: WIFI:S:<network>;T:WPA;P:<password>;;
        re.compile(r"(?i:WIFI:)[^\n]{0,80}?;P:(?P<value>(?:\\.|[^;\n\\]){1,63});"),
        config_password,
        has_any("wifi:"),
    ),
    Detector(
        (PASSWORD,),
        _CELL,
        _cell_password,
        lambda scan: "\n" in scan.text and scan.has(*_PASSWORD_WORDS),
        matches=lambda scan: _column_cells(scan.text),
    ),
    Detector(
        (PASSWORD,),
        # {"key": "adminPass", "value": "..."}: Postman's and Insomnia's variables, HTTP header lists
        re.compile(
            r"[\"'](?:key|name)[\"'][ \t]*:[ \t]*[\"'](?P<name>[^\"'\n]{1,40})[\"'][ \t]*,[ \t]*"
            r"[\"']value[\"'][ \t]*:[ \t]*[\"'](?P<value>[^\"'\n]{1,512})[\"']"
        ),
        _named_value,
        has_any("value"),
    ),
    Detector(
        (PASSWORD,),
        # terraform plan: password = "old" -> "new" (the old one is found as any "password = X")
        _PLANNED_CHANGE,
        config_password,
        lambda scan: "->" in scan.text,
        matches=starting_with(_PLANNED_CHANGE, "pass", "secret", "token"),
    ),
    Detector(
        (PASSWORD,),
        # a .pgpass line: hostname:port:database:username:password
        re.compile(r"(?m)^[ \t]*[\w.*-]+:(?:\d{1,5}|\*):[^\s:]+:[^\s:]+:(?P<value>\S{1,64})[ \t]*$"),
        config_password,
        has_any("pgpass"),
    ),
    Detector(
        (PASSWORD,),
        # OpenWrt's UCI: a Wi-Fi interface's "option key 'X'", a service's "option password 'X'"
        re.compile(
            r"(?m)^[ \t]*option[ \t]+(?:key|password|passwd|psk)[ \t]+(?P<value>'[^'\n]{3,64}'|\"[^\"\n]{3,64}\")"
        ),
        config_password,
        lambda scan: "option" in scan.text and scan.has(*_UCI_WORDS),
    ),
    Detector(
        (PASSWORD,),
        # a Wi-Fi pre-shared key: MikroTik's wpa2-pre-shared-key=..., hostapd's wpa_passphrase=..., wpa_psk=
        _WIFI_KEY,
        config_password,
        has_any("pre-shared-key", "wpa_passphrase", "wpa2_passphrase", "wpa_psk", "wpa-psk"),
        matches=starting_with(_WIFI_KEY, "wpa", "pre-shared-key"),
    ),
    Detector(
        (PASSWORD,),
        # a client's user and password side by side: requests' auth=("reporting", "xR7#b2Lq9!mW"),
        # HTTPBasicAuth("user", "secret"), OpenSearch's http_auth=(...), Elasticsearch's basic_auth=(...),
        # aiohttp.BasicAuth("user", "secret")
        _CLIENT_AUTH,
        config_password,
        has_any("auth"),
        matches=starting_with(_CLIENT_AUTH, "auth", word_start=True),
    ),
    Detector(
        (PASSWORD,),
        # curl -u 'user:secret', wget --http-password=..., httpie -a user:secret: the part after the colon
        re.compile(
            r"(?:\s-u|\s--user|\s-a|\s--auth)[ \t=]+(?P<q>[\"']?)[^\s:\"']{1,64}:"
            r"(?P<value>[^\s\"']{3,64})(?P=q)(?=\s|$)"
        ),
        config_password,
        has_any("curl", "wget", "http ", "https ", "httpie"),
    ),
    *credential_forms.DETECTORS,  # SQL's IDENTIFIED BY, a Basic header, a session cookie
)

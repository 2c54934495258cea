"""Credentials (AWS's keys are aws_keys.py's): PASSWORD, which covers what a caller should never
paste: a password given as one ("password: hunter2"), API keys and tokens of well-known shapes
(sk-..., ghp_..., xoxb-..., AIza..., JWTs) and the password in a URL (private key PEM blocks are
private_keys.py's).

A password is only what follows the word: "password: X", "my password is X". Prose that merely
mentions passwords ("the password is required", "Password: choose a strong one") is told apart by
the value's shape (digits, symbols, mixed case, quotes) and, for a plain word, by it ending the
clause.
"""

from __future__ import annotations

import re

from gateway.guardrails.pii.detector import Detector, has_any, starting_with
from gateway.guardrails.pii.password_values import mixed, random_looking, three_kinds, unquoted_end
from gateway.guardrails.pii.password_words import PASSWORD_ELSEWHERE, PASSWORD_ELSEWHERE_NEEDLES
from gateway.guardrails.pii.scan import Finding, Scan, found

PASSWORD = "PASSWORD"

# After the keyword: "password: X", "password for the router is X", or (checked harder) "password X".
# A dash separates only right after the keyword ("password - X"; in "password for wi-fi is X" it is
# part of a word).
_SEP = (
    # "the password for the staging box is X" (a clause's end, ". If it was you", stops the words)
    r"(?:(?i:[ \t]+(?:for|to|of|on|at|del|della|dello|de|du|da|do|des|di|van|voor|für|k|ke)[ \t]"
    r"(?:[^\n:=.!?]|[.!?](?![ \t])){0,40}?)"
    r"(?:[ \t]*(?::=|=>|=|:)|[ \t]+(?i:is now|was|is|will be|would be|set to|changed to|reset to|è|es|est|ist|je|är|er)"
    r"(?=[ \t]))[ \t]*"
    r"|[ \t]*(?P<sep>:=|=>|=|:|-|(?i:is now|was|is|will be|would be|set to|changed to|reset to|to|jadi)(?=[ \t]))[ \t]*"
    # "the password I set was X", "the password we use is X": a few words, then the copula (the value
    # must look chosen); the words are letters only, so a value is never read as one of them
    r"|(?:[ \t]+[^\W\d_]{1,12}){1,3}?[ \t]+(?P<copula>(?i:was|is))[ \t]+"
    # "Last password I remember: X", "the password you gave me: X": someone's use of it, then a colon
    # (the value must look chosen; "Password last changed: 2024-05-30" is a field of its own)
    r"|(?:[ \t]+[^\W\d_]{1,12})?[ \t]+(?i:I|we|you|he|she|they)(?:[ \t]+[^\W\d_]{1,12}){1,2}[ \t]*(?P<worded>:)[ \t]+"
    # "Temp password issued: X": a field's words, then a colon (the value must mix three kinds of characters)
    r"|(?:[ \t]+[^\W\d_]{1,12}){1,2}[ \t]*(?P<labelled>:)[ \t]+"
    r"|(?P<space>[ \t]+))"
)
# The same in the languages of the keywords below: "le mot de passe du wifi est X", "Kennwort X",
# "パスワードは X". A verb is a whole word ("router" holds no "er").
_VERBS = (
    r"c'est|est|es|ist|lautet|è|é|är|er|is|jest|to|je|era|war|était|sera|wird|será|là|adalah|jadi"
    # "sigue siendo X" (is still X), "bleibt X", "blijft X", "reste X", "rimane X"
    r"|sigue siendo|sigue|bleibt|blijft|reste|rimane|continua a essere|continua sendo"
)
_MARKS = r":=|=|:|：|は|是|为|는|은"
_SEP_ELSEWHERE = (
    r"(?:(?i:[ \t]+(?:de|del|du|da|do|des|für|fuer|zum|zur|per|van|voor|för|for|til|dla|della|dello|dei|of|k|ke|za"
    r"|na|pro|pour|para|для|за|ng|ya)"
    r"[ \t][^\n:=]{0,40}?)"
    rf"(?:[ \t]*(?:{_MARKS})|[ \t]+(?i:{_VERBS})(?=[ \t]))[ \t]*"
    rf"|[ \t]*(?P<sep>{_MARKS})[ \t]*|[ \t]+(?P<verb>(?i:{_VERBS}))[ \t]+"
    # "mật khẩu cũ hình như là X" (the old password seems to be X): a few words, then the copula
    r"|(?:[ \t]+[^\s:=]{1,12}){1,3}?[ \t]+(?:là|adalah)[ \t]+"
    # "la contraseña que siempre usé era X", "que puse es X": a few words, then a copula (the value must look chosen)
    r"|(?:[ \t]+[^\s:=]{1,12}){1,4}?[ \t]+"
    r"(?P<copula>(?i:era|fue|était|war|foi|was|byla|bylo|było|es|est|ist|é|è))[ \t]+"
    # a few words between the keyword and its colon: "hasło tymczasowe: X", "Kata laluan portal tempahan: X",
    # "Cyfrinair y porth: X" (a word is letters, joiners included: "وای‌فای")
    r"|(?:[ \t]+[^\W\d_][^\s\d:=]{0,15}){1,5}?[ \t]*:[ \t]*"
    # a verb or two in the word's own script, then the value: "পাসওয়ার্ড দিয়েছি X" (the password I
    # gave: X), "पासवर्ड डाला था X" (the value must mix three kinds of characters)
    r"|(?:[ \t]+[^\x00-\u024f\s:=]{1,15}){1,3}?(?P<foreign>[ \t]+)(?=[\x21-\x7e])"
    r"|(?P<space>[ \t]+))"
)
_VALUE = r"(?P<value>\"\"[^\"\n]{1,64}\"\"|\"[^\"\n]{1,64}\"|'[^'\n]{1,64}'|`[^`\n]{1,64}`|[^\s\"'`]{1,64})"
_PASSWORD_ELSEWHERE = re.compile(PASSWORD_ELSEWHERE + r"(?:[\"']?" + _SEP_ELSEWHERE + ")" + _VALUE)
NOT_A_PASSWORD = frozenset(
    """a an the my your his her their our its this that it is was be for of to in on at by as if and or but
    with without when then here there below above following same mine yours required incorrect wrong invalid
    expired too not strong weak secure safe correct case being still set changed reset protected needed missing
    saved stored hashed encrypted different long short easy hard very really quite so also now empty blank
    optional mandatory unknown compromised leaked forgotten lost please must should will can cannot field
    policy policies manager hint requirements requirement valid ok fine good bad secret private confidential
    hidden length characters change update expiry expiration protection strength complexity hash salt prompt
    box entry input reuse rotation based kept used using generated temporary default new old current previous
    least only never always none null undefined n/a na tbd todo unchanged same yes no true false on off""".split()
)
# Code, not a value: "getpass.getpass(", "document.getElementById(", "os.environ[", "config.db.password".
_CODE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+[(\[]?|[A-Za-z_$][\w$]*[(\[]")
_UNSPACED_WORDS = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+")
_NEXT_FIELD = re.compile(r"[A-Za-z_][\w.-]*=")
# A hash standing where a password would: "hmac-sha256:4e7d..." (Vault's audit log), "$2b$12$..."
# and MySQL's "*6BB4...": IDENTIFIED BY PASSWORD '*<40 hex>'
HASHED = re.compile(
    r"(?i)(?:hmac-)?(?:sha-?\d+|md5|pbkdf2[\w-]*|argon2\w*|scrypt|bcrypt)[:$]|\$2[aby]?\$|\*[0-9A-F]{40}\b"
)
PLACEHOLDER = re.compile(
    r"^(?:[<{$%\[(]|!(?:vault|ref|sub|getatt|env)\b|\*+$|[•·●]+$|x+$|\.+$)|your|password|placeholder|example|redacted|change[-_]?me",
    re.I,
)


def _password(match: re.Match[str], scan: Scan) -> Finding | None:
    start, end = match.span("value")
    value = match["value"]
    if value.startswith('""'):
        start, end, quoted = start + 2, end - 2, True  # JSON inside a JSON string: folding reads \" as ""
    elif value[0] in "\"'`":
        start, end, quoted = start + 1, end - 1, True
    else:
        quoted = False
        end = unquoted_end(scan.text, start, end)  # "パスワードはX!です", "Password=X;Encrypt=yes"
        while end > start and scan.text[end - 1] in ".,;)}]。、，":  # a sentence's end, in CJK too
            end -= 1
    value = scan.text[start:end]
    if len(value) < 3 or value.lower() in NOT_A_PASSWORD or PLACEHOLDER.search(value) or HASHED.match(value):
        return None
    if _UNSPACED_WORDS.fullmatch(value) or "、" in value or "。" in value:
        return None  # "パスワードは教えられないよ〜", "年度替わりに変更し、": a sentence after the word, no password
    if not quoted and ((_CODE.fullmatch(value) and not random_looking(value)) or value.startswith("-")):
        return None  # code, or the next flag of a command line ("DB_PASSWORD_FILE=/run/x --name web")
    if (match.groupdict().get("sep") or "") == "-" and scan.text[max(0, match.start() - 1) : match.start()] == "-":
        return None  # a command-line flag: --password-stdin
    if match.groupdict().get("labelled") and not three_kinds(value):
        return None  # "Password last changed: 2024-05-30", "Password policy: Strict"
    if match.groupdict().get("foreign") and not (three_kinds(value) and any(c.islower() for c in value)):
        return None  # "Κωδικός κράτησης GR-0611-447": a booking's code (κωδικός is a code too), no password
    worded = match.groupdict().get("copula") or match.groupdict().get("worded")
    if worded and (not mixed(value) or "://" in value or value.lower().startswith("www.")):
        return None  # "la contraseña que usé era demasiado corta", "the password reset link is https://..."
    if match.groupdict().get("space") and (value.isalpha() or not quoted and not mixed(value)):
        return None  # "password Bl@ckC@t99" and "(password Maple&Juniper!)" yes, "password reset" no
    if _CMDLET.fullmatch(value):
        return None  # "$pw = ConvertTo-SecureString 'X'": PowerShell's command, the password follows it
    if match.groupdict().get("space") and _NEXT_FIELD.match(value):
        return None  # "reason=bad_password attempts=5": the next field of a log line
    if match.groupdict().get("short") and not (any(c.isalpha() for c in value) and not value.isalpha()):
        return None  # "the pass for the museum is free", "bus pass for May is 2.50"
    if (match["sep"] or "").lower() == "to" and not quoted and (value.isalpha() or len(value) < 6):
        return None  # "set the password to marigold77" yes, "set the password to expire" no
    if quoted or not value.isalpha() or not (value.islower() or value.istitle()):
        return found(PASSWORD, start, end)
    # A plain word is a password only when it ends the clause ("my password is sunshine.").
    rest = scan.text[end : end + 6]
    if not rest.strip() or rest[0] in "\n.,;!?)" or re.match(r"\s+(?:and|but)\b", rest):
        return found(PASSWORD, start, end)
    return None


_NEXT_ONE = re.compile(
    r"(?i:and|but|while)[ \t]+(?:(?i:the|my|his|her|their|our|your)[ \t]+[^\W\d_]{2,15}[ \t]+(?i:one)"
    r"|(?i:mine|his|hers|theirs|ours|yours))[ \t]+(?i:is|was)[ \t]+(?P<value>[^\s\"'`]{3,64})"
)


def _next_password(match: re.Match[str], scan: Scan) -> Finding | None:
    """ "The Wi-Fi password is Kangaroo_Jump#42 and the admin one is Adm1n$Drive!": a second
    password named by "one" (or "mine") right after a first, in the same sentence."""
    if not scan.follows(match.start(), (PASSWORD,), gap=8, between=_TO_NEXT_PASSWORD):
        return None
    start, end = match.span("value")
    while end > start and scan.text[end - 1] in ".,;)":
        end -= 1
    value = scan.text[start:end]
    if not mixed(value) or PLACEHOLDER.search(value) or HASHED.match(value):
        return None
    return found(PASSWORD, start, end)


_TO_NEXT_PASSWORD = re.compile(r"[.,;)]?[ \t]*")


_CMDLET = re.compile(r"[A-Z][a-z]+(?:To)?-[A-Z][A-Za-z]+")


def _cli_password(match: re.Match[str], scan: Scan) -> Finding | None:
    """mysql's -pSECRET (no space: with one, mysql prompts and the next word is the database)."""
    start, end = match.span("value")
    if scan.text[start] in "'\"":
        start, end = start + 1, end - 1
    value = scan.text[start:end]
    return None if PLACEHOLDER.search(value) or value.startswith("$") else found(PASSWORD, start, end)


def _token(match: re.Match[str], scan: Scan) -> Finding | None:
    """A well-known key shape, with some randomness in it (not "sk-your-key-here")."""
    value = match.group()
    if not any(c.isdigit() for c in value) and value.islower():
        return None
    return found(PASSWORD, match.start(), match.end())


def _keyed_token(match: re.Match[str], scan: Scan) -> Finding | None:
    group = "quoted" if match["quoted"] else "value"  # quoted: to its closing quote, symbols and all
    value = match[group]
    if group == "quoted" and "://" in value:
        return None  # SECRET_KEY = 'https://vault.internal/...': where the key is, not the key
    if value.startswith(_OBJECT_IDS):
        return None  # Stripe's object ids (tok_, pm_, cus_...): references, not secrets (sk_ and rk_ are)
    letters = any(c.isalpha() for c in value)
    if not (letters and any(c.isdigit() for c in value)) or PLACEHOLDER.search(value):
        return None
    if value.endswith(("...", "…")) or scan.text.startswith(("...", "…"), match.end(group)):
        return None  # "AWS_SESSION_TOKEN=IQoJb3JpZ2luX2VjEJ...(truncated)": a log's elided value, no secret
    return found(PASSWORD, *match.span(group))


def config_password(match: re.Match[str], scan: Scan) -> Finding | None:
    """PGPASSWORD=..., REDIS_PASS=..., redis's requirepass/masterauth, "login admin / Fj8#qLz2",
    curl -u user:password, 'dbpassword' => '...', sip.conf's secret=, ldapsearch -w, a Wi-Fi key."""
    start, end = match.span("value")
    text = scan.text
    while start < end and text[start].isspace():  # a table cell's padding
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return None
    if text[start] in "'\"" and end - start > 2 and text[end - 1] == text[start]:
        start, end = start + 1, end - 1
    else:
        end = unquoted_end(text, start, end)
    value = text[start:end]
    if value.endswith(":"):
        return None  # "login: dchen / pass: X": a label, the password follows it
    if len(value) < 4 or PLACEHOLDER.search(value) or value.startswith(("$", "%", "{")) or _CODE.fullmatch(value):
        return None
    if value.lower() in NOT_A_PASSWORD:
        return None  # MAIL_PASSWORD=null, secret=none
    if match.group().lower().startswith(("login", "user")) and (value.isalpha() or value.isdigit()):
        return None  # "login: alice / bob" names two people; a password mixes kinds of characters
    if match.group().startswith("AUTH") and _APPROVAL_CODE.fullmatch(value):
        return None  # "AUTH 08812B" on a card receipt: the approval code, not Redis's AUTH command
    return found(PASSWORD, start, end)


_APPROVAL_CODE = re.compile(r"[0-9A-Z]{6}")


def _chpasswd_line(match: re.Match[str], scan: Scan) -> Finding | None:
    """A "user:password" line of a chpasswd list (cloud-init's RANDOM asks for a generated one)."""
    group = "value" if match["value"] else "echoed"
    value = match[group]
    if value.upper() == "RANDOM" or PLACEHOLDER.search(value) or value.startswith("$"):
        return None
    if "chpasswd" not in scan.lowered[max(0, match.start() - 200) : match.end() + 40]:
        return None
    return found(PASSWORD, *match.span(group))


def _url_password(match: re.Match[str], scan: Scan) -> Finding | None:
    value = match["value"]
    return None if PLACEHOLDER.search(value) else found(PASSWORD, match.start("value"), match.end("value"))


_OBJECT_IDS = ("tok_", "pm_", "pi_", "ch_", "cus_", "card_", "src_", "seti_", "in_", "sub_", "price_", "prod_")
_TOKEN_PREFIXES = tuple("sk- sk_ rk_ ghp_ gho_ ghu_ ghs_ ghr_ github_pat_ glpat- xox aiza eyj hf_ npm_ whsec_".split())

DETECTORS = (
    Detector(
        (PASSWORD,),
        re.compile(
            # not in a path ("GET /etc/passwd HTTP/1.1"); Junos' "plain-text-password-value X" too
            r"[pP](?<![A-Za-z0-9/+][pP])"  # not the end of a base64 run ("...Ti7Pw deploy@host")
            r"(?i:ass(?:word|wd|code|phrase)s?(?:-value)?|ass phrase|wd|w|ass(?=[\"']?[ \t]*(?::=|=|:))"
            r"|(?P<short>ass)(?=[ \t]+for[ \t][^\n:=]{0,40}?[ \t](?:is|was)[ \t]))[\"']{0,2}" + _SEP + _VALUE
        ),
        _password,
        has_any("pass", "pw"),
    ),
    Detector(
        (PASSWORD,),
        _NEXT_ONE,
        _next_password,
        lambda scan: scan.holds(PASSWORD),
        needs=(PASSWORD,),
        matches=starting_with(_NEXT_ONE, "and", "but", "while"),
    ),
    Detector(
        (PASSWORD,),
        _PASSWORD_ELSEWHERE,
        _password,
        has_any(*PASSWORD_ELSEWHERE_NEEDLES),
        matches=starting_with(_PASSWORD_ELSEWHERE, *PASSWORD_ELSEWHERE_NEEDLES, word_start=True),
    ),
    Detector(
        (PASSWORD,),
        re.compile(
            r"\bmysql(?:dump|admin)?\b[^\n]{0,120}?[ \t]-p"
            r"(?P<value>'[^'\n]{1,64}'|\"[^\"\n]{1,64}\"|[^\s'\"-][^\s]{0,63})"
        ),
        _cli_password,
        has_any("mysql"),
    ),
    Detector(
        (PASSWORD,),
        re.compile(
            r"(?<![\w-])(?:sk-(?:proj-|ant-(?:api\d\d-)?|live-)?[A-Za-z0-9_-]{20,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"
            r"|gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{22,255}|glpat-[A-Za-z0-9_-]{20,}"
            r"|xox[abposr]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,}|npm_[A-Za-z0-9]{36}"
            r"|whsec_[A-Za-z0-9+/]{24,}={0,2}|eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})(?![\w-])"
        ),
        _token,
        has_any(*_TOKEN_PREFIXES),
    ),
    Detector(
        (PASSWORD,),
        re.compile(
            r"[aAsScCpPbBtT](?<![A-Za-z][aAsScCpPbBtT])(?i:pi[_ -]?(?:key|secret|token)|ccess[_ -]?token|uth[_ -]?token"
            r"|ecret[_ -]?key|lient[_ -]?secret|rivate[_ -]?token|earer|oken)s?"
            r"(?:[ \t]*(?::=|=>|=|:|(?i:is)(?=[ \t]))[ \t]*|[ \t]+)"
            r"(?:(?P<quote>[\"'`])(?P<quoted>[^\s\"'`]{16,512})(?P=quote)|[\"'`]?(?P<value>[A-Za-z0-9_\-./+=~]{16,512}))"
        ),
        _keyed_token,
        has_any("key", "token", "secret", "bearer"),
    ),
    Detector(
        (PASSWORD,),
        re.compile(
            r"(?<![A-Za-z0-9])(?:[A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|PASS|PWD)[ \t]*=[ \t]*"
            r"|(?i:requirepass|masterauth)[ \t]+"
            r"|(?i:login)(?:[ \t]+(?:as|is|was))?[ \t]*[: ][ \t]*\S{1,64}[ \t]+/[ \t]+"
            r"|\b(?i:user(?:name)?)[ \t]*[: ][ \t]*\S{1,64}[ \t]+/[ \t]+(?i:pass(?:word|wd)?|pw|pwd)[ \t]*[: ][ \t]*"
            r"|\blftp\b[^\n]{0,80}?[ \t]-u[ \t]+[^\s,'\"]{1,64},"
            r"|\bnet[ \t]+user[ \t]+[^\s/]{1,64}[ \t]+(?=[^\s/*])"
            r"|\bConvertTo-SecureString[ \t]+(?:-String[ \t]+)?(?=['\"])"
            r"|\becho[ \t]+(?=[^|\n]{1,80}\|[ \t]*(?:sudo[ \t]+)?(?:docker|podman|helm|oras|nerdctl)\b"
            r"[^\n]*--password-stdin)"
            r"|\bsshpass[ \t]+-p[ \t]*"
            r"|(?i:curl)\b[^\n]{0,80}?[ \t](?:-u|--user)[ \t]+[^\s:'\"]{1,64}:"
            r"|\b(?:docker|podman|nerdctl|buildah|skopeo|helm registry|oc) login\b"
            r"[^\n]{0,120}?[ \t](?:-p|--password)[ \t=]+"
            r"|\bAUTH[ \t]+(?!(?i:code|no|number|num|id|#)\b)(?:[A-Za-z][\w.-]{0,31}[ \t]+)?(?=\S*[\d\W])"
            r"|\bredis-cli\b[^\n]{0,80}?[ \t]-a[ \t]+"
            # a key ending in "password" (lower or camel case), its value quoted: PHP's 'dbpassword' => '...',
            # a Helm chart's adminPassword: "..."
            r"|(?<![A-Za-z0-9])['\"]?[a-z][A-Za-z0-9_]*(?:password|passwd|Password|Passwd)['\"]?"
            r"[ \t]*(?:=>|:|=)[ \t]*(?=['\"])"
            # a network device's local user and its RADIUS or TACACS+ key: "username netops password 5 X",
            # "radius-server host 10.20.0.15 key X" (a type digit may stand before the value)
            r"|(?m:^)[ \t]*username[ \t]+\S+[ \t]+(?:privilege[ \t]+\d+[ \t]+)?(?:password|secret)[ \t]+"
            r"(?:\d[ \t]+)?(?=[^\s$])"
            r"|\b(?:radius-server|tacacs-server|radius|tacacs)\b[^\n]{0,60}?[ \t]key[ \t]+(?:\d[ \t]+)?(?=[^\s$])"
            # a quoted key in any case: a .reg file's "DefaultPassword"="...", JSON's "SmtpPassword": "..."
            r"|(?<![A-Za-z0-9])[\"'][A-Za-z][A-Za-z0-9_]*(?i:password|passwd)[\"'][ \t]*(?:=>|:|=)[ \t]*(?=['\"])"
            # Asterisk's sip.conf / iax.conf "secret=", an ldapsearch / ldapmodify bind password "-w"
            r"|(?m:^)[ \t]*(?:md5|remote)?secret[ \t]*=[ \t]*"
            r"|(?m:^)[ \t]*(?:psk|wpa_passphrase|sae_password)[ \t]*=[ \t]*"  # wpa_supplicant.conf, hostapd.conf
            r"|\bldap\w*\b[^\n]{0,200}?[ \t]-w[ \t]+"
            # a Wi-Fi network's key: "WPA2 key: ...", "clé WPA2 : ...", "WLAN-Schlüssel: ..."
            r"|\b(?i:(?:wpa[23]?|wi-?fi|wlan|psk)[ \t-]*"
            r"(?:key|passphrase|schlüssel|schluessel|clave|chiave|chave|sleutel)"
            r"|(?:clé|cle|clave|chiave|chave|key|schlüssel|sleutel)[ \t]+"
            r"(?:wpa[23]?|wi-?fi|wlan|du wi-?fi|de la wi-?fi|del wi-?fi))"
            r"[ \t]*[:=][ \t]*)"
            r"(?P<value>'[^'\n]{1,64}'|\"[^\"\n]{1,64}\"|[^\s'\"]{1,64})"
        ),
        config_password,
        has_any(
            "pass",
            "pwd",
            "masterauth",
            "login",
            "curl",
            "auth",
            "redis-cli",
            "sshpass",
            "lftp",
            "net user",
            "securestring",
            "secret",
            "ldap",
            "radius",
            "tacacs",
            "wpa",
            "wi-fi",
            "wifi",
            "wlan",
            "psk",
        ),
    ),
    Detector(
        (PASSWORD,),
        # cloud-init's and chpasswd's "user:password" lines
        re.compile(
            r"(?m)^[ \t]*(?:-[ \t]+)?[a-z_][a-z0-9_.-]{0,31}:(?P<value>[^\s:]{4,64})[ \t]*$"
            r"|\becho[ \t]+['\"]?[a-z_][a-z0-9_.-]{0,31}:(?P<echoed>[^\s:'\"]{4,64})['\"]?"
            r"[ \t]*\|[ \t]*(?:sudo[ \t]+)?chpasswd"
        ),
        _chpasswd_line,
        has_any("chpasswd"),
    ),
    Detector(
        (PASSWORD,),
        re.compile(r"://[^\s:/@]{0,64}:(?P<value>[^\s@/]{1,64})@"),
        _url_password,
        lambda scan: "://" in scan.text,
    ),
)

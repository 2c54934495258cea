"""Email addresses, URLs, IP addresses (v4 and v6) and MAC addresses.

Patterns are anchored on what is rare in prose ("@", "://", a dot before a known top-level
domain, colons) so that ordinary text costs one fast scan. A dotted quad right after "version",
"v" or "section" is a version or a section number, not an address.
"""

from __future__ import annotations

import ipaddress
import re

from gateway.guardrails.pii import address_lookalikes as versions
from gateway.guardrails.pii import context as ctx
from gateway.guardrails.pii import lines
from gateway.guardrails.pii import lookalike_words as lookalike
from gateway.guardrails.pii.detector import Detector, has_any
from gateway.guardrails.pii.documented_values import documentation_address, documented
from gateway.guardrails.pii.placeholders import example_sentence, template_text
from gateway.guardrails.pii.scan import Finding, Scan, found

EMAIL, URL, IP, MAC = "EMAIL", "URL", "IP_ADDRESS", "MAC_ADDRESS"

_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
_LOCAL_PART = re.compile(r"[A-Za-z0-9._%+'-]{1,64}\Z")
_TRAILING = ".,;:!?'\")]}>*"
# Top-level domains that count only after "www." or before a path: "www.skiskole.no" is a site,
# "self.config.th" an attribute.
_WWW_ONLY_TLDS = frozenset(
    "no ee lv lt si hr rs ba mk bg sk lu li mt cy ge kz ir pk bd lk np th my ph ke ng gh tz ug eg ma sa ae qa pe "
    "uy ve ec cr travel museum club health bank eus cat gal wales scot".split()
)
# Top-level domains that a bare host name ("example.com/pricing") is recognised by; file
# extensions (.py, .js, .md, .sh) are left out on purpose.
_TLDS = (
    "com|org|net|edu|gov|mil|io|co|uk|de|fr|info|biz|dev|app|us|ca|au|jp|cn|ru|br|es|nl|eu|ch|se|pl|dk|fi|ie|nz|"
    "za|mx|kr|sg|hk|tw|tv|xyz|online|site|tech|cloud|ai|ly|gl|me|be|it|in|to|gg|at|pt|sh|so|fm|tr|il|ua|ro|hu|cz|gr|"
    "ar|cl|id|vn|shop|store|link|page|news|blog|" + "|".join(sorted(_WWW_ONLY_TLDS))
)  # lower case only: "end.It" is a missing space, not a host
# Top-level domains that are also common attribute names in code ("self.app", "logger.info", "tls.ca"):
# a bare host with one of these needs more to count (www., a subdomain, a port or a path).
_STRONG_TLDS = frozenset({"com", "org", "net", "edu", "gov", "mil", "uk"})
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_FILE_EXTENSIONS = frozenset(
    "png jpg jpeg gif svg webp bmp ico pdf txt csv json yaml yml xml js ts py md zip gz".split()
)
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,15}\Z")
_TOKEN_REACH = 512  # how far before an address its token is read for a URL's "://" (its credentials)


def _email(match: re.Match[str], scan: Scan) -> Finding | None:
    """The pattern finds "@domain"; the local part is read backwards from the "@". Not a file name
    ("icon@2x.png") nor the credentials of a URL ("postgres://user:secret@host")."""
    at = match.start()
    if match.group().rsplit(".", 1)[1].lower() in _FILE_EXTENSIONS or match.group().lower().endswith(".tld"):
        return None  # "icon@2x.png"; "must look like name@domain.tld": a format, ".tld" is no domain
    local = _LOCAL_PART.search(scan.text, max(0, at - 64), at)
    if local is None:
        return None
    start = local.start()
    while start < at and scan.text[start] in ".'":
        start += 1
    if start == at or ".." in scan.text[start:at] or scan.text[at - 1] == ".":
        return None
    if start > 0 and scan.text[start - 1] == "/":
        return None
    if start > 0 and scan.text[start - 1] == ":" and not _EMAIL_LABEL.search(scan.text, max(0, start - 24), start):
        return None  # "ftp user:secret@host": a password; "Email:jane@acme.com", "电子邮件：wang@163.com" are addresses
    low = max(0, start - _TOKEN_REACH)  # a line of addresses without spaces: not its whole length per address
    token_start = max(
        scan.text.rfind(" ", low, start), scan.text.rfind("\n", low, start), scan.text.rfind("\t", low, start), low - 1
    )
    if _csv_row(scan.text, start):
        token_start = max(token_start, scan.text.rfind(",", low, start))  # the cell, not the row
    if "://" in scan.text[token_start + 1 : start]:
        return None  # the credentials of a URL whose password holds a "$" or "!": "https://bot:Gl-D3ploy!x@host"
    if start > 0 and scan.text[start - 1] == "<" and _MESSAGE_ID.search(scan.text, max(0, start - 300), start):
        return None  # a message's id in a mail header
    if scan.text.startswith(":", match.end()) and scan.text[start:at] in _SSH_USERS:
        return None  # an SSH remote: git@github.com:team/repo.git
    if _SSH_BEFORE.search(scan.text, max(0, start - 24), start) or match.group().endswith(".local"):
        return None  # "ssh pi@raspberrypi.local", "scp -P 2222 deploy@host": a login, no mailbox
    if _RESERVED_DOMAIN.search(match.group()) and (
        example_sentence(scan, start, match.end()) or template_text(scan) or documented(scan)
    ):
        return None  # "you@example.com ... placeholders", ADMIN_EMAIL=admin@example.com in a .env to fill in
    return found(EMAIL, start, match.end())


# A label ending right before "local@domain" with no space: the field's name, or any word not in
# Latin letters, or a Latin name glued to one (CJK forms print "電子郵件：", "ログインID：" with a
# full-width colon, read as ":").
_EMAIL_LABEL = re.compile(
    r"(?i)(?:\b(?:e-?mail|mail|mailto|email address|courriel|correo|e-?post|epost|contact|to|from|cc|bcc|reply-to"
    # a vCard's parameters ("EMAIL;TYPE=INTERNET:"); a Latin name glued to another script ("ログインID：")
    r"|adresse|indirizzo)(?:;[\w=,.-]+)*|[^\x00-\x7f][A-Za-z0-9]{0,12}):\Z"
)
# A mail header naming a message, not a person: "Message-ID: <CAF7x2+Q9@mail.example.com>", and
# the same in a mail server's log ("postfix/cleanup[22820]: 4T4614JK30: message-id=<...>")
_MESSAGE_ID = re.compile(
    r"(?i)\b(?:message-id|in-reply-to|references|content-id|x-message-id)[ \t]*[:=][ \t]*(?:<[^>\n]*>\s*)*<\Z"
)
_SSH_BEFORE = re.compile(r"\b(?:ssh|scp|sftp|mosh|rsync)(?:[ \t]+-\S+(?:[ \t]+\d+)?)*[ \t]+\Z")
_SSH_USERS = frozenset({"git", "hg", "svn", "ubuntu", "ec2-user", "root", "admin", "deploy"})
# RFC 2606's names for documentation: example.com, .example, .test, .invalid
_RESERVED_DOMAIN = re.compile(r"(?i)(?:\bexample\.(?:com|net|org)|\.(?:example|test|invalid))\Z")


def _spoken_email(match: re.Match[str], scan: Scan) -> Finding | None:
    """An address read out ("priya dot raman at gmail dot com", "lucia punto ferrer arroba hotmail
    punto com"): a dot in the name or an e-mail word before it, as transcripts write them."""
    if match["dotted"] is None and not _MAIL_WORD.search(scan.text, max(0, match.start() - 40), match.start()):
        return None
    return found(EMAIL, match.start(), match.end())


_DOT = r"(?:dot|punto|point|punkt|ponto|nokta)"
_SPOKEN_EMAIL = re.compile(
    rf"(?i)(?<![\w@.])[a-z0-9][a-z0-9_-]*(?P<dotted>(?:\s+{_DOT}\s+[a-z0-9_-]+)+)?"
    rf"\s+(?:at|arroba|arobase|chez|klammeraffe|chiocciola)\s+[a-z0-9][a-z0-9-]*"
    rf"(?:\s+{_DOT}\s+[a-z0-9-]+)*\s+{_DOT}\s+(?:{_TLDS})(?![\w.])"
)
_MAIL_WORD = re.compile(r"(?i)e-?mail|correo|courriel|adresse|address|endereço|indirizzo")


def _csv_row(text: str, at: int) -> bool:
    """Whether the line holding ``at`` is a row of comma-separated cells: three commas or more
    (counted once per line: a line of 10,000 addresses asks 10,000 times)."""
    return lines.line_fact(text, at, "csv_row", lambda start, end: text.count(",", start, end) >= 3)


def _trimmed(text: str, start: int, end: int) -> int:
    """The end of a URL without the sentence's punctuation (a closing bracket it opened stays).
    Brackets are counted once: only trailing characters go, and "(" is not one of them."""
    opened = closed = -1  # counted at the first trailing ")"
    while end > start and text[end - 1] in _TRAILING:
        if text[end - 1] == ")":
            if closed < 0:
                opened, closed = text.count("(", start, end), text.count(")", start, end)
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return end


def _url(match: re.Match[str], scan: Scan) -> Finding | None:
    """The pattern finds "://" and what follows; the scheme is read backwards from it."""
    scheme = _SCHEME.search(scan.text, max(0, match.start() - 16), match.start())
    if scheme is None or (scheme.start() > 0 and scan.text[scheme.start() - 1].isalnum()):
        return None
    end = _trimmed(scan.text, match.start(), match.end())
    comma = scan.text.find(",", match.start(), end)
    if comma >= 0 and _csv_row(scan.text, comma):
        end = comma  # a cell of a CSV row ("...,https://site/login,jane@x.com,secret,"): the URL ends at its comma
    if end - match.start() <= 3 or _placeholder_host(scan, scheme.start(), end):
        return None
    if scheme.group().lower() not in _WEB_SCHEMES:
        return None  # a database's, a cache's or a bucket's address (its password is found as one), no web address
    return found(URL, scheme.start(), end)


# URL is Bedrock's "web address": these schemes; postgres://, redis://, s3:// and the like are not.
_WEB_SCHEMES = frozenset({"http", "https", "ftp", "ftps", "sftp", "ws", "wss"})


_RESERVED_HOST = re.compile(
    r"(?i)(?:^|[/@.])(?:example\.(?:com|net|org)|[\w-]+\.(?:example|test|invalid))(?=[:/?#]|\Z)"
)


def _placeholder_host(scan: Scan, start: int, end: int) -> bool:
    """An RFC 2606 documentation host in a sentence that calls it an example or a placeholder, or in a
    text to fill in."""
    return _RESERVED_HOST.search(scan.text, start, end) is not None and (
        example_sentence(scan, start, end) or template_text(scan)
    )


def _host_start(text: str, end: int, limit: int) -> int:
    """Where the run of host-name characters ending at ``end`` begins (at most ``limit`` back)."""
    start, low = end, max(0, end - limit)
    while start > low and text[start - 1] in _HOST_CHARS:
        start -= 1
    return start


def _bare_host(match: re.Match[str], scan: Scan) -> Finding | None:
    """A host name ending in a known top-level domain, read backwards from its last dot."""
    dot = match.start()
    start = _host_start(scan.text, dot, 200)
    host = _HOST.fullmatch(scan.text, start, dot)
    if host is None or (start > 0 and scan.text[start - 1] in "@/:.-_\\"):
        return None  # not a host name, or part of an email, a URL or a path found otherwise
    if match["tld"] not in _STRONG_TLDS and not match["rest"] and "." not in scan.text[start:dot]:
        return None  # "self.app", "event.info": code, not a host
    if match["tld"] in _WWW_ONLY_TLDS and not match["rest"] and not scan.text.startswith("www.", start):
        return None
    if _GO_SYMBOL.search(scan.text, start, min(len(scan.text), match.end() + 2)) or _GO_MODULE.match(
        scan.text, match.end()
    ):
        return None  # a Go symbol in a stack trace ("github.com/a/b/pay.(*Processor).Charge(0x...)"), go.sum's modules
    if _go_import(scan, start, end=match.end()):
        return None  # a Go import: "github.com/stripe/stripe-go/v76/paymentintent" in an import block
    if _CREATED_BY.search(scan.text, max(0, start - 12), start):
        return None  # "created by github.com/lumen/kyc/worker.Start in goroutine 6"
    if _IMAGE_TAG.search(match["rest"]):
        return None  # a container image ("registry.k8s.io/kube-proxy:v1.29.4", "ghcr.io/a/b@sha256:...")
    end = _trimmed(scan.text, start, match.end())
    if _SERVER_KEY.search(scan.text, max(0, start - 24), start) and _PORT_AT_MOST.fullmatch(match["rest"] or ""):
        return None  # "host: smtp.office365.com", "relay=smtp-in.orange.fr": a server's name, no web address
    if _IMAGE_KEY.search(scan.text, max(0, start - 24), start):
        return None  # "repository: ghcr.io/acme/billing": a container image
    if scan.text.startswith(":", end) and not scan.text[lines.line_start(scan.text, start) : start].strip(" \t-\"'"):
        return None  # a YAML key: "nginx.ingress.kubernetes.io/whitelist-source-range: ...", "app.kubernetes.io/name:"
    if not match["rest"] and start > 0 and scan.text[start - 1] in "\"'" and scan.text.startswith(('":', "':"), end):
        return None  # a JSON key: {"aws.access.key.id": ...}
    if not match["rest"] and _REVERSED_DOMAIN.match(scan.text, start, dot + 1):
        return None  # "com.shopnow.app", "org.apache.kafka.common": a package's name, written backwards
    if _NAMED_NOT_WEB.search(scan.text, max(0, start - 24), start) and not match["rest"]:
        return None  # "topic kyc.uk", "package com.acme.app": a queue's or a package's name
    if not match["rest"] and not scan.text.startswith("www.", start) and not _in_prose(scan.text, start, end):
        return None  # "IN NS dns1.aruba.it.", "client=mx.google.com[...]", "machine ftp.x.de": a host, no web address
    return found(URL, start, end)


# A bare host name is a web address only in a sentence ("renew online at mgpl.bibliocommons.com"):
# two words right before it, and no log's or header's "[ip]" or "(" after it.
_PROSE_BEFORE = re.compile(r"(?<![^\s(\"'])[^\W\d_]+ [^\W\d_]+ \Z")
_MACHINE_AFTER = re.compile(r" ?[\[(]")


def _in_prose(text: str, start: int, end: int) -> bool:
    return _PROSE_BEFORE.search(text, max(0, start - 60), start) is not None and not _MACHINE_AFTER.match(text, end)


def _go_import(scan: Scan, start: int, end: int) -> bool:
    """A quoted path alone on its line (an alias before it at most), in a text that imports."""
    if not scan.text.startswith('"', end):
        return False
    lead = scan.text[lines.line_start(scan.text, start) : start]
    if _GO_IMPORT_LEAD.fullmatch(lead) is None:
        return False
    return "import" in lead or 0 <= lines.first_index(scan.text, "import (") < start


_GO_IMPORT_LEAD = re.compile(r'[ \t]*(?:import[ \t]+)?(?:[\w.]+[ \t]+)?"')
_GO_SYMBOL = re.compile(r"/[\w.-]*[\w]\.(?:\(\*?\w|\w+\()")
_GO_MODULE = re.compile(r"[ \t]+v\d+\.\d+\.\d+")
_CREATED_BY = re.compile(r"\bcreated by \Z")
# Java's and Android's package names start with a reversed domain; "de.wikipedia.org" is a site.
_REVERSED_DOMAIN = re.compile(r"(?:com|org|net|io)\.[a-z0-9_-]+\.")
_NAMED_NOT_WEB = re.compile(
    r"(?i)\b(?:topics?|queues?|packages?|bundle ?ids?|application ?ids?|app ?ids?|namespaces?)"
    r"[\"']?\s*[:=]?\s*[\"']?\Z"
)
# "host: smtp.office365.com", EMAIL_HOST = "mail.acme.com", ALLOWED_HOSTS = ["portal.acme.com"], docker login ghcr.io
_SERVER_KEY = re.compile(
    r"(?i)(?:\b|_)(?:hosts?(?:_\w+)?|hostname|server|relay|smtp_host|mx|smarthost|endpoint|eventsource|broker"
    r"|name ?servers?|ネームサーバー?|ネームサーバ)[\"']?\s*[:=：]\s*\[?\s*[\"']?\Z"
    r"|\b(?:docker|podman|helm registry) login\s+\Z"
)
_PORT_AT_MOST = re.compile(r"(?::\d{1,5})?")  # "broker = iot.example.cn:8883": a server and its port
_IMAGE_KEY = re.compile(r"(?i)\b(?:image|repository|registry)[\"']?\s*[:=]\s*[\"']?\Z")
# The end of a container image's reference: a tag after the last path segment, or a digest.
_IMAGE_TAG = re.compile(r"/[\w.-]+(?::[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})\Z")


def _ipv4(match: re.Match[str], scan: Scan) -> Finding | None:
    """Four octets of 0-255 without leading zeros, not called a version or a section."""
    if any(len(o) > 1 and o[0] == "0" or int(o) > 255 for o in match.group().split(".")):
        return None
    if match.group() in ("0.0.0.0", "255.255.255.255"):
        return None  # "0.0.0.0 means the interface has no lease yet": no host's address
    if scan.before(match.start(), lookalike.NOT_PERSONAL, width=16) and not scan.before(
        match.start(), ctx.NETWORK, width=32
    ):
        return None  # "rule 10.2.1.4" is a section; "firewall rule: allow 52.14.203.88" an address
    start = match.start()
    if _SECTION_SIGN.search(scan.text, max(0, start - 4), start):
        return None  # "§ 7.4.2.1 of the Terms": a clause
    if versions.version_like(match.group()) and (
        versions.about_versions(scan.text, max(0, start - 48), start)
        or versions.about_versions(scan.text, match.end(), min(len(scan.text), match.end() + 24), before=False)
        or _VERSION_COLUMN.match(scan.column_header(start) or "") is not None
        or versions.among_versions(scan.text, start)
        or versions.version_step(scan.text, start, match.end())
    ):
        return None  # "upgraded the controller from 2.14.1.0 to 2.15.0.3", "2.9.11.4. Firmware bundle ..."
    if versions.upgraded_from_to(scan.text, start):
        return None  # "Upgraded the endpoint agent from 10.2.14.3 to 10.2.15.0"
    if documentation_address(scan, match.group()):
        return None  # 192.0.2.10 in a text about documentation or tests
    if _PRODUCT_TOKEN.search(scan.text, max(0, start - 24), start):
        return None  # a user agent's product version: "Chrome/122.0.0.0" (a log's "HIER_DIRECT/41.1..." is an address)
    if versions.netmask(match.group()) or scan.text.endswith(("brd ", "broadcast "), max(0, start - 10), start):
        return None  # "Subnet Mask: 255.255.255.0", "brd 10.44.7.255": a mask or a broadcast address, nobody's
    return found(IP, match.start(), match.end())


_SECTION_SIGN = re.compile(r"§\s*\Z")
# A table's column of versions: "lane,controller_mac,ip,fw" over "1,00:0e:c6:8a:31:f4,10.9.1.11,4.2.0.118"
_VERSION_COLUMN = re.compile(r"(?i)\s*[\"']?(?:fw|firmware|fw_?ver\w*|version|ver|build|release|sw|software)\b")


def _ipv4_at(match: re.Match[str], scan: Scan) -> Finding | None:
    """An address followed by its port, as tcpdump prints them."""
    if any(int(octet) > 255 for octet in match["address"].split(".")):
        return None
    return found(IP, *match.span("address"))


_MAPPED_TAIL = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])")


def _ipv6(match: re.Match[str], scan: Scan) -> Finding | None:
    value = match.group()
    if not any(c.isdigit() for c in value):
        return None
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return None
    if (tail := _MAPPED_TAIL.match(scan.text, match.end())) is not None:  # "::ffff:10.0.0.1": an IPv4 inside
        try:
            ipaddress.IPv6Address(value + tail.group())
        except ValueError:
            return None  # "::ffff:999.0.0.1" in a test of bad addresses
        return found(IP, match.start(), tail.end())
    if "::" not in value and all(len(group) == 2 for group in value.split(":")):
        return None  # eight bytes in colon hex: a Fibre Channel WWN (21:00:00:24:ff:4c:8a:10), no address
    if documentation_address(scan, value):
        return None  # 2001:db8::1 in a text about documentation or tests
    return found(IP, match.start(), match.end())


_PRODUCT_TOKEN = re.compile(
    r"(?<![\w/])[A-Z][a-z]+/\Z|(?i:\b(?:chrome|chromium|firefox|edge|safari|opera|brave|vivaldi|yabrowser))[ \t]+\Z"
)


DETECTORS = (
    Detector((EMAIL,), re.compile(f"@{_DOMAIN}(?![\\w-]|\\.[A-Za-z0-9])"), _email),
    Detector(
        (EMAIL,),
        _SPOKEN_EMAIL,
        _spoken_email,
        has_any(" dot ", " punto ", " point ", " punkt ", " ponto ", " nokta "),
    ),
    Detector((URL,), re.compile(r"://[^\s<>\"'`{}|\\^]+"), _url),
    Detector(
        (URL,),
        re.compile(
            f"\\.(?P<tld>{_TLDS})(?P<rest>(?::\\d{{2,5}})?(?:/[^\\s<>\"'`{{}}|\\\\^]*)?)(?![\\w@(-]|\\.[A-Za-z0-9])"
        ),
        _bare_host,
    ),
    Detector(
        (IP,),
        re.compile(r"\d(?<![\w.]\d)(?<![\d:]:\d)(?<!ffff:\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)"),
        _ipv4,
        lead=r"(?<=\d)\d{0,2}\.\d",
    ),
    Detector(
        (IP,),
        # tcpdump's address.port: "192.168.0.23.51522 > 151.101.65.69.443: Flags [S]"
        re.compile(r"(?<![\w.])(?P<address>\d{1,3}(?:\.\d{1,3}){3})\.\d{1,5}(?=:? |:$)"),
        lambda match, scan: _ipv4_at(match, scan),
        lambda scan: "Flags [" in scan.text or "ethertype" in scan.text,
    ),
    Detector(
        (IP,),
        re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)(?![\w:])"),
        _ipv6,
        lambda scan: "::" in scan.text or scan.text.count(":") >= 7,
    ),
)

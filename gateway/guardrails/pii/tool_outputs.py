"""Values as particular tools print them, where no keyword names them: macOS ``arp -a``'s MACs
without leading zeros ("at 0:1e:6:3a:c2:10"), an airline PNR's contact e-mail with "//" for "@"
("SSR CTCE UA HK1 COLE.ABERNATHY//FASTMAIL.COM") and its mobile or home phone ("SSR CTCM YY HK1
19174283306"), a SWIFT MT103's ordering customer's and
beneficiary's accounts (":50K:/718204993"), a form body's e-mail ("email=a.b%40gmail.com"), a Google
app password in msmtp's or a mail client's config ("password vjkq mbtr xzhp lwne"), and a secret a
shell just decoded ("... admin-password}' | base64 -d" then the value on the next line)."""

from __future__ import annotations

import re

from gateway.guardrails.pii.detector import Detector, Judge, has_any, starting_with
from gateway.guardrails.pii.scan import Finding, Scan, found

MAC, EMAIL, PHONE, ACCOUNT, PASSWORD = "MAC_ADDRESS", "EMAIL", "PHONE", "US_BANK_ACCOUNT_NUMBER", "PASSWORD"

# six groups of one or two hex digits, one of them at least a single digit (padded ones are the MAC
# detector's), after arp's "at", ip's "lladdr" or ifconfig's "ether"
_UNPADDED_MAC = re.compile(
    r"\b(?:at|lladdr|ether)[ \t]+(?P<value>(?=[0-9a-fA-F:]*(?<![0-9a-fA-F])[0-9a-fA-F](?![0-9a-fA-F]))"
    r"[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5})(?![\w:])"
)
_PNR_EMAIL = re.compile(
    r"\bSSR[ \t]+CTCE\b[^\n]{0,24}?[ \t](?P<value>[A-Z0-9._%+-]{1,64}//[A-Z0-9-]+(?:\.[A-Z0-9-]+)+)\b"
)
_PNR_PHONE = re.compile(r"\bS?SR[ \t]*CTC[MH]\b[^\n]{0,24}?[ \t/](?P<value>\+?\d[\d -]{6,17}\d)(?![\w])")
# a form's body as a browser posts it: "email=olivia.brennan%40gmail.com"
_ENCODED_EMAIL = re.compile(
    r"(?<![\w.%+-])(?P<value>[A-Za-z0-9._+-]{1,64}%40(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24})(?![\w-])"
)
# a Google account's app password, four groups of four letters, after the word: msmtp's "password vjkq mbtr xzhp lwne"
_APP_PASSWORD = re.compile(
    r"(?i:\b(?:app[ \t]+)?pass(?:word|wd)?)[ \t]*[:=]?[ \t]*[\"']?"
    r"(?P<value>[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4})(?![\w-])"
)
_MT103_ACCOUNT = re.compile(r"(?m)^:(?:50[AFK]|59[AF]?):/(?P<value>\d{6,17})[ \t]*$")
_DECODED_SECRET = re.compile(
    r"(?im)^[^\n]*(?:password|passwd|secret|token)[^\n]*\|[ \t]*base64[ \t]+(?:-d|--decode|-D)\b[^\n]*\r?\n"
    r"(?P<value>[^\s$#][^\s]{3,63})[ \t]*$"
)


def _value(kind: str) -> Judge:
    """A judge reporting the match's ``value`` group as ``kind``: the format alone says what it is."""

    def judge(match: re.Match[str], scan: Scan) -> Finding | None:
        return found(kind, *match.span("value"))

    return judge


DETECTORS = (
    Detector(
        (MAC,),
        _UNPADDED_MAC,
        _value(MAC),
        lambda scan: scan.text.count(":") >= 5,  # "at " stands in most prose: the colons first
        matches=starting_with(_UNPADDED_MAC, "at ", "at\t", "lladdr", "ether"),
    ),
    Detector((EMAIL,), _PNR_EMAIL, _value(EMAIL), has_any("ctce")),
    Detector((PHONE,), _PNR_PHONE, _value(PHONE), has_any("ctcm", "ctch")),
    Detector((EMAIL,), _ENCODED_EMAIL, _value(EMAIL), has_any("%40")),
    Detector(
        (PASSWORD,),
        _APP_PASSWORD,
        _value(PASSWORD),
        has_any("pass"),
        matches=starting_with(_APP_PASSWORD, "pass", "app"),
    ),
    Detector(
        (ACCOUNT,),
        _MT103_ACCOUNT,
        _value(ACCOUNT),
        lambda scan: "\n:5" in scan.text or scan.text.startswith(":5"),  # a field's line, before the (?m) search
    ),
    Detector((PASSWORD,), _DECODED_SECRET, _value(PASSWORD), has_any("base64")),
)

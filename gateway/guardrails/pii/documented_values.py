"""Values published for testing and documentation, which belong to nobody: payment processors' test
cards, AWS's example key pair, the IBANs of banks' and standards' examples, sample cards' SSNs and
NHS Digital's test patients. In a text that says it
is about testing, examples or documentation, in any of a few dozen languages and anywhere in it
("テスト用カード番号", "aus der AWS-Dokumentation", "valeurs fictives"), they are not PII; elsewhere
("please charge 4111 1111 1111 1111") they are still found, since a real form may carry one.
"example.com" is no such word.

Why a list: these few values stand in thousands of READMEs, sandboxes and tutorials, and a guardrail
that blocks a developer's question about Stripe's test card helps nobody; a sentence-level example
word (``placeholders.example_sentence``) misses the heading or the other language that says so.
"""

from __future__ import annotations

import ipaddress
import re

from gateway.guardrails.pii.keywords import keywords
from gateway.guardrails.pii.scan import Scan

PUBLISHED = frozenset(
    {
        # test cards of Stripe, Braintree, Adyen, Authorize.net, PayPal and the card schemes
        "4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222", "5200828282828210",
        "5105105105105100", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
        "3056930009020004", "36227206271667", "3566002020360505", "6200000000000005", "4111111111111111",
        "4012888888881881", "4222222222222", "4000000000000002", "4000000000009995", "4000000000000069",
        "4000000000000127", "4000002500003155", "4000000000003220", "4000002760003184", "5454545454545454",
        "4005519200000004", "4009348888881881", "4012000033330026", "4012000077777777", "4217651111111119",
        "4500600000000061", "5424000000000015", "6759649826438453", "3530111333300000", "30569309025904",
        "38520000023237", "4000000000000077", "4000000000000341", "4000000000000101", "4000000000000259",
        # AWS's documentation key pairs
        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAI44QH8DHBEXAMPLE", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        # SSNs printed on sample cards and advertisements (Woolworth's wallet card, LifeLock's); NHS
        # Digital's documented test patients
        "078051120", "219099999", "457555462", "123456789", "046454286", "9434765919", "9000000009",
        # IBANs of the ECBS, banks' and Wikipedia's examples
        "GB82WEST12345698765432", "DE89370400440532013000", "GB33BUKB20201555555555",
        "FR1420041010050500013M02606", "NL91ABNA0417164300", "ES9121000418450200051332",
        "IT60X0542811101000000123456", "CH9300762011623852957", "BE68539007547034", "AT611904300234573201",
        "GB29NWBK60161331926819", "NWBKGB2L",  # the IBAN registry's example for the UK, and its BIC
        "CZ6508000000192000145399",  # the Czech banks' example
    }
)  # fmt: skip
_SEPARATORS = str.maketrans("", "", " -.")

# Words saying a text is about tests, sandboxes, examples or documentation.
DOCUMENTED = keywords(
    r"tests?", r"testing", r"test[- ]?(?:cards?|mode|data|values?|numbers?|keys?)", r"sandbox", r"staging",
    r"examples?(?!\.[a-z])", r"samples?", r"demo", r"dummy", r"fake", r"mock", r"fictitious", r"fictional",
    r"placeholders?", r"documentation", r"docs", r"documented", r"not real", r"guides?", r"tutorials?",
    r"synthetic", r"woolworth\w*", r"vzor\w*", r"příklad\w*",
    r"walkthrough", r"readme", r"rfc ?5737", r"rfc ?3849", r"rfc ?7042",
    r"test\w+", r"beispiel\w*", r"dokumentation", r"fiktiv\w*", r"muster\w*",
    r"exemples?", r"fictifs?", r"fictives?", r"bac à sable",
    r"pruebas?", r"ejemplos?", r"ficticios?", r"ficticias?", r"documentación",
    r"prova", r"esempi\w*", r"fittizi\w*", r"documentazione",
    r"testes?", r"exemplos?", r"fictíci\w*", r"documentação",
    r"voorbeeld\w*", r"fictief", r"fictieve",
    r"testow\w*", r"przykład\w*", r"fikcyjn\w*", r"dokumentacj\w*",
    r"pananglitan", r"pagsulay", r"halimbawa",
    r"приклад\w*", r"пример\w*", r"тестов\w*", r"документац\w*", r"пісочниц\w*", r"песочниц\w*",
    r"δοκιμ\w*", r"παράδειγμα",
    r"örnek\w*", r"deneme",
    r"contoh", r"uji coba", r"ujian",
    r"テスト", r"サンプル", r"例", r"ドキュメント", r"ダミー", r"测试", r"測試", r"示例", r"样例", r"範例", r"文档",
    r"테스트", r"예시", r"샘플", r"문서",
)  # fmt: skip


def published_example(scan: Scan, value: str) -> bool:
    """Whether ``value`` is a published test or documentation value in a text that says so."""
    return value.translate(_SEPARATORS) in PUBLISHED and documented(scan)


_CARD_RUN = re.compile(r"\d[\d -]{11,21}\d")


def after_published_card(scan: Scan, start: int) -> bool:
    """Whether a published test card stands in the 160 characters before ``start`` in a text about
    testing: its expiry and code ("any future date, e.g. 12/34; CVC 123") are nobody's either."""
    if not scan.mentions(DOCUMENTED):
        return False
    runs = _CARD_RUN.findall(scan.text, max(0, start - 160), start)
    return any(run.translate(_SEPARATORS) in PUBLISHED for run in runs) and documented(scan)


# RFC 5737's and RFC 3849's address blocks, reserved for documentation.
_DOCUMENTATION_BLOCKS = tuple(
    ipaddress.ip_network(block) for block in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)


def documentation_address(scan: Scan, address: str) -> bool:
    """Whether ``address`` lies in a block reserved for documentation, in a text about tests or docs
    ("use the documentation ranges, RFC 5737": 192.0.2.0/24); elsewhere (a log, a ticket) it is
    taken for a real one, as sets written for testing use them."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in block for block in _DOCUMENTATION_BLOCKS) and documented(scan)


def documentation_mac(scan: Scan, value: str) -> bool:
    """Whether ``value`` is in RFC 7042's block for documentation (00-00-5E-00-53-xx), in a text
    about documentation or tests."""
    return "".join(c for c in value.lower() if c in "0123456789abcdef").startswith("00005e0053") and documented(scan)


def documented(scan: Scan) -> bool:
    """Whether one of ``DOCUMENTED`` stands anywhere in the text (searched once per text)."""
    if scan.documented is None:
        scan.documented = scan.mentions(DOCUMENTED) and scan.keyword_in(DOCUMENTED, 0, len(scan.text)) is not None
    return scan.documented

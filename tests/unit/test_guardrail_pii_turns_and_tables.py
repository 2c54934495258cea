"""PII a transcript's turns, a psql result, JSON inside JSON and more languages hold; and what
utility bills, Go imports, AWS event logs and card receipts hold that is not PII."""

from __future__ import annotations

import pytest

from tests.support.pii import found, found_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[00:01:14] AGENT: card number?\n[00:01:18] CALLER: 4539 9013 7417 3988\n"
            "[00:01:36] AGENT: and the three digits on the back\n[00:01:38] CALLER: two six one",
            ("CREDIT_DEBIT_CARD_CVV", "two six one"),
        ),
        (
            "AGENTE: ¿Y el código, los tres números de atrás?\nCLIENTE: tres ocho cero.",
            ("CREDIT_DEBIT_CARD_CVV", "tres ocho cero"),
        ),
        (
            "payroll=> SELECT emp_id, bank_routing, bank_account FROM employees;\n"
            " emp_id | bank_routing | bank_account\n"
            "--------+--------------+--------------\n"
            "   1042 | 036365298    | 1838171931\n"
            "(1 row)",
            ("US_BANK_ROUTING_NUMBER", "036365298"),
        ),
        (
            '{"body": "{\\"phone\\": \\"n/a\\", \\"password\\": \\"Bl0ckParty!23\\"}"}',
            ("PASSWORD", "Bl0ckParty!23"),
        ),
        ("vpn creds: user ext-ttan / pass Rainfall#4471-Kite (rotate it)", ("PASSWORD", "Rainfall#4471-Kite")),
        ("y la contraseña que siempre usé era Cicla_2019* pero ya no", ("PASSWORD", "Cicla_2019*")),
        ("Lozinka za Wi-Fi na brodu: Vela2025!Split", ("PASSWORD", "Vela2025!Split")),
        ("Contrasenya del wifi: Mar1na#2024", ("PASSWORD", "Mar1na#2024")),
        ("הסיסמה: Kf8!zz2a", ("PASSWORD", "Kf8!zz2a")),
        ("Atas nama Putu Ayu, no. HP 0812-3877-4410, DP sudah masuk", ("PHONE", "0812-3877-4410")),
        ("• Jonas Brenner – 0176 4482 9913 – Schicht 16–22 Uhr", ("PHONE", "0176 4482 9913")),
        ("Rhif GIG: 608 838 4522", ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "608 838 4522")),
        ("SWIFT 코드는 KOEXKRSE입니다.", ("SWIFT_CODE", "KOEXKRSE")),
        ("Mastercard 5280 0925 3132 6665 (berlaku s/d 03/28)", ("CREDIT_DEBIT_CARD_EXPIRY", "03/28")),
        ("Spørsmål? Se www.hemsedalskiskole.no.", ("URL", "www.hemsedalskiskole.no")),
    ],
)
def test_pii_in_transcripts_tables_nested_json_and_more_languages_is_found(
    text: str, expected: tuple[str, str]
) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Riverside Municipal Water\nService account no.: 4471-20983-001\nHolder: D. M.", "US_BANK_ACCOUNT_NUMBER"),
        ("Statement of funeral account no. 24-0388 attached.", "US_BANK_ACCOUNT_NUMBER"),
        ("54 Employer's account number  88271 4430 RP0001", "US_BANK_ACCOUNT_NUMBER"),
        ('import (\n\t"context"\n\t"github.com/stripe/stripe-go/v76/paymentintent"\n)', "URL"),
        ('{"eventSource": "s3.amazonaws.com", "eventName": "GetObject"}', "URL"),
        ("region = us-east-2\nendpoint = s3.us-east-2.amazonaws.com", "URL"),
        ("self.config.th = 3; x = obj.data.ma", "URL"),
        ("VISA ************3325\nAUTH 08812B   REF 431118220947", "PASSWORD"),
        ("la contraseña que usé era demasiado corta", "PASSWORD"),
        ("user alice / pass bob", "PASSWORD"),
    ],
)
def test_numbers_and_names_that_only_look_like_pii_are_not_found(text: str, kind: str) -> None:
    assert [value for k, value in found(text) if k == kind] == []


def test_a_name_in_capitals_beside_a_bank_code_is_not_a_second_code() -> None:
    text = "SWIFT 코드는 KOEXKRSE입니다. 영문 이름은 LEE SEUNGMIN, 연락 주세요"
    assert found_of("SWIFT_CODE", text) == ["KOEXKRSE"]

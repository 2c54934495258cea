"""PII as voice transcripts and scanned forms write it: numbers partly spelled out, digits split by
stray spaces; and what such texts hold around it that is not PII. Also the round's other readings:
an address after a label and a full-width colon, a phone's national part after its country code,
passwords under keys that name them, Go's stack traces and module lists, CJK and Greek card words."""

from __future__ import annotations

import pytest

from tests.support.pii import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Agent: card number please?\nCaller: it's five five five five, 5555 5555 four four four four",
            ("CREDIT_DEBIT_CARD_NUMBER", "five five five five, 5555 5555 four four four four"),
        ),
        (
            "Bot: what's your social security number?\nUser: five three six, 22, 8 8 4 1",
            ("US_SOCIAL_SECURITY_NUMBER", "five three six, 22, 8 8 4 1"),
        ),
        (
            "Bot: and the routing number?\nUser: zero two one 000 zero two one",
            ("US_BANK_ROUTING_NUMBER", "zero two one 000 zero two one"),
        ),
        (
            "caller said her NHS number is nine four three 476 5919",
            ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "nine four three 476 5919"),
        ),
        (
            "my national insurance number is A B one two three four five six C",
            ("UK_NATIONAL_INSURANCE_NUMBER", "A B one two three four five six C"),
        ),
        ("text me back on oh seven seven zero zero 900 123 after six", ("PHONE", "oh seven seven zero zero 900 123")),
        ("please add my passport, it's C nine one two 34567", ("US_PASSPORT_NUMBER", "C nine one two 34567")),
    ],
)
def test_numbers_a_transcript_spells_partly_out_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SOC SEC NO : 536 - 22 -8841", ("US_SOCIAL_SECURITY_NUMBER", "536 - 22 -8841")),
        ("ITIN 912-78 - 1234 (copied from the W-7)", ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "912-78 - 1234")),
        ("Card 4111 1111 1111 1111 Exp 0 8 / 2 9  CVV 7 4 1", ("CREDIT_DEBIT_CARD_CVV", "7 4 1")),
        ("Tél : 06 1 2 34 56 7 8 (portable)", ("PHONE", "06 1 2 34 56 7 8")),
    ],
)
def test_digits_a_scan_splits_with_stray_spaces_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "I have one or two cats and three dogs, and we moved in 2019.",
        "Step one: unplug it. Step two: wait ten seconds. Step three: plug it back in.",
        "Rooms 4 5 6 are booked for the offsite; seats 1 2 3 are by the window.",
        "Score was 3 - 1 at half time and 4 - 2 at the end.",
    ],
)
def test_counting_words_and_spaced_small_numbers_are_not_pii(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Email:jane.doe@fastmail.com", "jane.doe@fastmail.com"),
        ("电子邮件：wang.wei@163.com", "wang.wei@163.com"),
        ("メール：tanaka@example.jp", "tanaka@example.jp"),
    ],
)
def test_an_address_right_after_its_label_is_an_email(text: str, email: str) -> None:
    assert ("EMAIL", email) in found(text)


def test_a_password_before_the_at_sign_of_a_connection_is_not_an_email() -> None:
    assert [f for f in found("proxy user:hunter22@proxy.corp.net:3128") if f[0] == "EMAIL"] == []


def test_a_phone_with_its_country_code_is_a_phone_not_a_sin() -> None:
    assert found("Telemóvel: +351 912 447 083") == [("PHONE", "+351 912 447 083")]


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ('  "grafanaAdminPassword": "Gr4fana-Admin-Otter",', "Gr4fana-Admin-Otter"),
        ('{"ses_smtp_password_v4": "BHVRPCeGCrS22AgjvHU9"}', "BHVRPCeGCrS22AgjvHU9"),
        ("app:smtpPassword            mailRelay#2025!Kx", "mailRelay#2025!Kx"),
        ("net use \\\\fs01\\share /user:CORP\\svc_copy Copy#Job2025!", "Copy#Job2025!"),
        ("hasło do wifi w biurze to Lato2025!", "Lato2025!"),
    ],
)
def test_passwords_under_keys_and_commands_that_name_them(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"passwordMinLength": "12", "passwordPolicy": "strict", "adminPasswordHash": "x9F2kq"}',
        '{"data": {"password": "hmac-sha256:4e7d1f0b9a2c8e6d3f5b1a7c9e0d2f4b"}}',
        '"dbPassword": "${DB_PASSWORD}"',
    ],
)
def test_keys_about_a_password_and_hashed_or_referenced_values_are_not_passwords(text: str) -> None:
    assert [f for f in found(text) if f[0] == "PASSWORD"] == []


@pytest.mark.parametrize(
    "text",
    [
        "goroutine 7 [running]:\ngithub.com/acme/pay/ledger.(*Book).Post(0xc000123400)\n\t/src/ledger/book.go:88",
        "created by github.com/acme/pay/worker.Start in goroutine 1",
        "github.com/jackc/pgx/v5 v5.5.4 h1:Xp2aQS8uXButQdnC=\ngolang.org/x/crypto v0.21.0/go.mod h1:0BP7Y=",
    ],
)
def test_go_symbols_and_modules_are_not_urls(text: str) -> None:
    assert [f for f in found(text) if f[0] == "URL"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("카드번호 5869 6576 9345 8578 로 결제했어요", ("CREDIT_DEBIT_CARD_NUMBER", "5869 6576 9345 8578")),
        ("Κάρτα: 4774 5479 3901 9598\nΛήξη: 12/26", ("CREDIT_DEBIT_CARD_EXPIRY", "12/26")),
        ("王先生的手机 138 1762 4459，随时联系", ("PHONE", "138 1762 4459")),
    ],
)
def test_card_and_phone_words_in_korean_greek_and_chinese(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


def test_hmrc_example_number_in_a_test_record_is_a_placeholder() -> None:
    assert found("S0420\tTest User\tQQ 12 34 56 C\t-") == []


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("Clé Wi-Fi : Loire-44-Nantes! (sur la box)", "Loire-44-Nantes!"),
        ("La password del Wi-Fi dell'ufficio è Dolomiti_2024, con la D maiuscola.", "Dolomiti_2024"),
        ("Ahoj, heslo k Wi-Fi v kanceláři je Sumava#77 a tiskárna je vedle.", "Sumava#77"),
        ("Modem Wi-Fi şifresi Ege2024* olarak güncellendi.", "Ege2024*"),
    ],
)
def test_wifi_passwords_as_european_customers_write_them(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tarjeta 4580 3355 8608 2141, cad. 05/29, CVC 841", ("CREDIT_DEBIT_CARD_EXPIRY", "05/29")),
        ("और रूटिंग नंबर 021000021 है", ("US_BANK_ROUTING_NUMBER", "021000021")),
        (
            "액세스 키 AKIA6NX67FKJCSSYTPGF\n시크릿: kBTDijysfSa5Jhl7LiECB7lavfWXTKTiVQ47qsxG",
            ("AWS_SECRET_KEY", "kBTDijysfSa5Jhl7LiECB7lavfWXTKTiVQ47qsxG"),
        ),
        ("رمز السويفت: NBADAEAA", ("SWIFT_CODE", "NBADAEAA")),
        (
            "IBAN: DE 89 3704 0044 0532 0130 00 (Sparkasse)",
            ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "DE 89 3704 0044 0532 0130 00"),
        ),
        (
            "Me dio el código de atrás 2 1 9. Y la tarjeta 5575019920453804 vence 07/27.",
            ("CREDIT_DEBIT_CARD_CVV", "2 1 9"),
        ),
        ("Il mio nuovo cellulare è tre tre nove 604 2177, salvalo.", ("PHONE", "tre tre nove 604 2177")),
    ],
)
def test_card_bank_and_key_words_in_more_languages(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Sharing contact details violates § 7.4.2.1 of the Terms.",
        "  All   ffff.ffff.ffff    STATIC      CPU",
        "The ad showed SSN 987-65-4321, the number the SSA keeps for advertising.",
        "README の AKIAIOSFODNN7EXAMPLE はサンプルなので問題ありません。",
    ],
)
def test_clauses_broadcast_addresses_and_documented_numbers_are_not_pii(text: str) -> None:
    assert found(text) == []

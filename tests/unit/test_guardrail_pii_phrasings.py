"""PII as people and systems actually write it: card details without slashes or with a month's
name, credentials in JSON, shell commands and other languages, lower-case codes after their name,
phones with their local words; and the look-alikes next to them (one-time codes, coupons, asset
tags, version upgrades, code that mentions a password)."""

from __future__ import annotations

import pytest

from tests.support.pii import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "CARD 5105-1051-0510-5100 EXP 0928 SEC CODE 431",
            [("CREDIT_DEBIT_CARD_EXPIRY", "0928"), ("CREDIT_DEBIT_CARD_CVV", "431")],
        ),
        (
            "My card's CVV is 611 and it expires in March 2028.",
            [("CREDIT_DEBIT_CARD_CVV", "611"), ("CREDIT_DEBIT_CARD_EXPIRY", "March 2028")],
        ),
        ("the 4 digit code on the front is 9921", [("CREDIT_DEBIT_CARD_CVV", "9921")]),
        ("the 3 digits on the back are 502", [("CREDIT_DEBIT_CARD_CVV", "502")]),
    ],
)
def test_card_details_in_the_words_and_formats_people_use(text: str, expected: list[tuple[str, str]]) -> None:
    assert [f for f in found(text) if f[0] != "CREDIT_DEBIT_CARD_NUMBER"] == expected


def test_a_maestro_uk_card_of_nineteen_digits_is_a_card() -> None:
    assert found("Maestro 6767 7021 2003 9488 155") == [("CREDIT_DEBIT_CARD_NUMBER", "6767 7021 2003 9488 155")]


@pytest.mark.parametrize(
    "text",
    [
        "Enter the 6-digit code 448 291 we texted you; it expires in 10 minutes.",
        "Coupon SAVE20 is valid thru 06/26 on orders over $50.",
        "The free trial expires 0927, then billing starts.",
    ],
)
def test_one_time_codes_and_coupon_dates_are_not_card_details(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ('{"username": "svc_backup", "password": "Rz8&Lp0w!Qe"}', "Rz8&Lp0w!Qe"),
        ("login: dchen / pass: Bluefin_2291", "Bluefin_2291"),
        ("mysql -h db.internal -u root -p'V3ry$ecret_22' shop_db", "V3ry$ecret_22"),
        ("mysqldump -u admin -pS3cretPass99 inventory > dump.sql", "S3cretPass99"),
        ("Passwort: Schnee!Berg7 (bitte ändern)", "Schnee!Berg7"),
        ("mot de passe : Soleil#2024", "Soleil#2024"),
        ("contraseña: Playa_88!", "Playa_88!"),
    ],
)
def test_passwords_in_json_shell_commands_and_other_languages(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "password = getpass.getpass('Password: ')",
        "const pwd = document.getElementById('password').value;",
        "db_password = os.environ['DB_PASSWORD']",
        "mysql -u root -p shop_db",
    ],
)
def test_code_that_reads_a_password_is_not_one(text: str) -> None:
    assert [f for f in found(text) if f[0] == "PASSWORD"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Send EUR with swift code bofiie2d, thanks", ("SWIFT_CODE", "bofiie2d")),
        ("my nino is ne314082b, sorry caps lock's off", ("UK_NATIONAL_INSURANCE_NUMBER", "ne314082b")),
        ('<patient nhsNumber="9434765919"/>', ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "9434765919")),
        ("my social is 212-67-4093 if you need it", ("US_SOCIAL_SECURITY_NUMBER", "212-67-4093")),
        ("my social is 212 67 4093 if you need it", ("US_SOCIAL_SECURITY_NUMBER", "212 67 4093")),
        ("the link in the sms was bit.ly/3xK9qLm", ("URL", "bit.ly/3xK9qLm")),
    ],
)
def test_codes_written_in_lower_case_or_named_in_markup_or_slang(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Mobil: 0151 48203917, Festnetz ab 18 Uhr", "0151 48203917"),
        ("Téléphone : 01 42 68 53 00", "01 42 68 53 00"),
        ("Caller ID showed 0044 20 7946 0958", "0044 20 7946 0958"),
    ],
)
def test_phone_numbers_beside_their_words_in_other_languages(text: str, phone: str) -> None:
    assert ("PHONE", phone) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Lab sample ID 943 476 5875 was haemolysed.",
        "Asset tag 488 120 5652 returned to IT.",
        "Customer number 0048213377, quote it when you write.",
        "Upgraded the controller from 2.14.1.0 to 2.15.0.3 last night.",
        "Upgrade from version 10.2.3.4 to 10.2.4.0 fixes the crash.",  # "version" between "from" and the quad
        "Upgrade from v10.2.3.4 to v10.2.4.0 today.",
    ],
)
def test_identifiers_and_versions_that_look_like_phones_or_addresses_are_left_alone(text: str) -> None:
    assert found(text) == []


def test_an_address_stays_an_address_in_a_sentence_about_an_upgrade() -> None:
    assert found("After the upgrade, ping 10.0.3.7 and 8.8.8.8") == [
        ("IP_ADDRESS", "10.0.3.7"),
        ("IP_ADDRESS", "8.8.8.8"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi my card is 5425 2334 3010 9903 and the code on the back is 517", ("CREDIT_DEBIT_CARD_CVV", "517")),
        ("Amex 3782 822463 10005, CID 4417, thanks", ("CREDIT_DEBIT_CARD_CVV", "4417")),
        ("card 4929 1837 4652 0190 exp0829 cvv 311", ("CREDIT_DEBIT_CARD_EXPIRY", "0829")),
        ("my debit card expiring 2029-03 keeps getting declined", ("CREDIT_DEBIT_CARD_EXPIRY", "2029-03")),
        ("ok my ssn-523 41 7788 and dob 3/4/90", ("US_SOCIAL_SECURITY_NUMBER", "523 41 7788")),
        ("ACH: RDFI 021000021, DFI account 4410293847", ("US_BANK_ROUTING_NUMBER", "021000021")),
        ("PGPASSWORD=pg_Sup3r-2024 psql -h db -U app", ("PASSWORD", "pg_Sup3r-2024")),
        ("requirepass 7hQ2mP9xZt", ("PASSWORD", "7hQ2mP9xZt")),
        ("the password for the NAS is now walnut-fig-3391", ("PASSWORD", "walnut-fig-3391")),
        ("camera web ui at 10.0.0.9, login admin / Qz7#wLp4", ("PASSWORD", "Qz7#wLp4")),
        ("curl -u deploy:Hn7!kQ2z https://ci.internal/api", ("PASSWORD", "Hn7!kQ2z")),
        ("mobile on file 555-0188, call after six", ("PHONE", "555-0188")),
    ],
)
def test_card_codes_credentials_and_ids_in_chats_configs_and_shells(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "We decided 123 tickets were duplicates.",  # "cid" inside a word, no card
        "echo $TOKEN | docker login -u ci --password-stdin",
        "login: alice / bob share the on-call rota",
        "DB_PASSWORD=${DB_PASSWORD}",
        "kernel 5.15.0.107 and openssl 3.0.2 on the build box",
        "milk expires 4/12 lol",
        "IAM user unique ID AIDAJQABLZS4A3QDU576 appears in CloudTrail",
        "VAT reg no GB 294 7731 58",
        "order 555-0134 shipped yesterday",
        "Our account ref GB12 BARC 2032 5873 0192 75 is on the statement",  # an IBAN failing mod-97
    ],
)
def test_look_alikes_in_chats_configs_and_logs_are_left_alone(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"env": "DB_PASSWORD=s3cr3t-P@ss\\nDB_USER=app"}', [("PASSWORD", "s3cr3t-P@ss")]),  # not the next line
        ('{"cfg": "a=1\\tpassword=Winter2024!\\tb=2"}', [("PASSWORD", "Winter2024!")]),
        ('{"to": "jos\\u00e9.m@example.org"}', [("EMAIL", "jos\\u00e9.m@example.org")]),  # whole, not its tail
        ('{"note": "reply to \\"ana@example.com\\" today"}', [("EMAIL", "ana@example.com")]),
    ],
)
def test_values_inside_json_strings_end_where_their_escapes_say(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "He texted from 5125550176 around midnight.",
        "She called from 4155550134 yesterday.",
        "He rang 4155550134 twice.",
    ],
)
def test_a_bare_number_someone_texted_called_or_rang_from_is_a_phone(text: str) -> None:
    assert [kind for kind, _ in found(text)] == ["PHONE"]

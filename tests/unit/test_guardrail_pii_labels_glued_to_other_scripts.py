"""PII that stop 40's two guardrail rounds found missed or mis-read: a Latin label glued to Japanese
or Chinese text ("受取銀行SWIFT：", "ログインID："), a password named with the Nordic definite form
("passordet er"), "sigue siendo", "clave wifi", a verb or two in Bengali or Hindi before it, "voor
het portaal is", "zum Portal ist", or "(admin / X)" after a router's address; a US passport in
Greek, Swedish or an API's {"doc_type": "P"}; an Arabic routing / account pair; phones after
"cualquier cosa al", "Rückruf" or written "0911 / 38 47 22"; an Amex's "code à 4 chiffres"; an
address after a batch server. And what must stay unflagged: a health plan's group number, a points
coupon's validity in Korean, a Greek booking code, an access log's status and size, sts's account
beside its ARN, a promo code "at checkout", the end of an SSH key's fingerprint. New sentences, none
from an evaluation set."""

from __future__ import annotations

import pytest

from tests.support.pii import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("振込先のご案内\n受取銀行SWIFT：DEUTDEFF\nよろしくお願いします。", ("SWIFT_CODE", "DEUTDEFF")),
        ("受取銀行SWIFT：DEUTDEFF\n中継銀行：三井住友銀行（SMBCJPJT）", ("SWIFT_CODE", "SMBCJPJT")),
        (
            "アカウント情報\nログインID：keiko.mori@example-mail.jp\n初回のみ有効です。",
            ("EMAIL", "keiko.mori@example-mail.jp"),
        ),
        (
            "Hei, kontoen min er låst. passordet er Sommer-Hytte42, kan dere hjelpe?",
            ("PASSWORD", "Sommer-Hytte42"),
        ),
        ("Hej! lösenordet är Blåbär#2023 om du behöver logga in.", ("PASSWORD", "Blåbär#2023")),
        (
            "la contraseña del router sigue siendo Pinar_Casa77, no la toquéis",
            ("PASSWORD", "Pinar_Casa77"),
        ),
        ("Piso 3B: SSID CASA_5G / clave wifi Lm7#qR2zX9", ("PASSWORD", "Lm7#qR2zX9")),
        ("অ্যাপে ঢুকতে পারছি না, পাসওয়ার্ড দিয়েছি Tumpa#2019", ("PASSWORD", "Tumpa#2019")),
        ("लॉगिन नहीं हो रहा, पासवर्ड डाला था Meena@2020", ("PASSWORD", "Meena@2020")),
        (
            "Στοιχεία αγοραστή\nΑριθμός αμερικανικού διαβατηρίου: 531870264",
            ("US_PASSPORT_NUMBER", "531870264"),
        ),
        (
            "Biljetten är bokad på hans amerikanska pass 572019384 till fredag.",
            ("US_PASSPORT_NUMBER", "572019384"),
        ),
        (
            "رقم التوجيه: 021000021 – رقم الحساب: 4471902385",
            ("US_BANK_ROUTING_NUMBER", "021000021"),
        ),
        (
            "رقم التوجيه: 021000021 – رقم الحساب: 4471902385",
            ("US_BANK_ACCOUNT_NUMBER", "4471902385"),
        ),
        ("Lucía: cualquier cosa al 634 118 902 y lo vemos", ("PHONE", "634 118 902")),
        (
            "[09:12] ana: the modem's admin page is 192.168.1.1 (admin / Gr33n#Teapot) don't touch",
            ("PASSWORD", "Gr33n#Teapot"),
        ),
        (
            "Hoi Sanne, het wachtwoord voor de nieuwe kluis is Molen7!Dijk, verander het meteen.",
            ("PASSWORD", "Molen7!Dijk"),
        ),
        (
            "Das Passwort zum Kundenportal ist Wies3n#Blick, bitte gleich ändern.",
            ("PASSWORD", "Wies3n#Blick"),
        ),
        (
            "Client : ma carte American Express 3782 822463 10005, expiration 09/28, code à 4 chiffres 7719.",
            ("CREDIT_DEBIT_CARD_CVV", "7719"),
        ),
        ("Bei Fragen: Tel. 0911 / 52 17 80, Frau Berger.", ("PHONE", "0911 / 52 17 80")),
        ("Rückruf bitte unter: 0221 4471 2093", ("PHONE", "0221 4471 2093")),
        (
            '{"traveler":"LEE, JANE","doc_type":"P","doc_number":"B31907264","nationality":"USA"}',
            ("US_PASSPORT_NUMBER", "B31907264"),
        ),
        (
            "Bij de batchserver (10.20.3.44) stond een wachtwoord in de log.",
            ("IP_ADDRESS", "10.20.3.44"),
        ),
    ],
)
def test_labels_glued_to_other_scripts_and_worded_passwords_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        (
            "Dental plan EOB: allowed $412.00, group no. 0085-2217-40. Questions? Call the number on your card.",
            "PHONE",
        ),
        (
            "주문이 접수되었습니다. 카드 일시불 결제. 적립 쿠폰 유효기간 09/26까지 사용 가능합니다.",
            "CREDIT_DEBIT_CARD_EXPIRY",
        ),
        ("Η κράτησή σας επιβεβαιώθηκε. Κωδικός κράτησης AX-2207-915, τραπέζι 4.", "PASSWORD"),
        ("ftp user:s3cret@files.internal.net", "EMAIL"),
        (
            '10.0.4.7 - - [02/Apr/2025:10:01:01 +0000] "POST /api/v2/login HTTP/1.1" 401 187 '
            '"https://shop.example.org/account/login" "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"\n'
            '2a02:8108:1140:3c00:9d4e:51ff:fe2a:77b1 - - [02/Apr/2025:10:01:02 +0000] "GET /static/app.js HTTP/2.0" '
            '200 51873 "-" "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X)"',
            "US_BANK_ACCOUNT_NUMBER",
        ),
        (
            '{"UserId": "AROAEXAMPLEID:me", "Account": "730412958861", '
            '"Arn": "arn:aws:sts::730412958861:assumed-role/x"}',
            "US_BANK_ACCOUNT_NUMBER",
        ),
        ("Summer sale! Use code SUMMER24NOW at checkout, ends Friday.", "SWIFT_CODE"),
        (
            "256 SHA256:aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7d9Pw builder@ci-host-07 (ED25519)",
            "PASSWORD",
        ),
    ],
)
def test_look_alikes_of_stop_40_s_first_round_are_not_flagged(text: str, unwanted: str) -> None:
    assert unwanted not in {kind for kind, _ in found(text)}

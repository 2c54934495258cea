"""PII that the last guardrail round of stop 39 found missed or mis-read: a transcript's answer to a
question on the line before (a phone, an Amex's four-digit code "on the front", an expiry, a
passport), a network device's local password and RADIUS key, a password a few words before its
colon ("Temp password issued:", "Пароль от роутера на всякий случай:"), a Helm chart's
adminPassword, a chat's one-word answer to "the wifi password?", Danish "Tlf.", an "ACH routing /
account" pair, Turkish "hesabım", an account led by "cuenta" with a phone on the next line, "SWIFT代码",
a BIC after an IBAN and a dash; and what must stay unflagged: a sort code, a customer account, a
French "référence client", 0.0.0.0, a format's example NINO, a null password, an account's digits
that happen to pass the routing checksum. New sentences, none from an evaluation set."""

from __future__ import annotations

import pytest

from tests.support.pii import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Agente: ¿Un teléfono de contacto?\nCliente: 612 48 73 90.", ("PHONE", "612 48 73 90")),
        (
            "Customer: my Amex is 3714 496353 98431, expires 04/28, the code on the front is 7302.",
            ("CREDIT_DEBIT_CARD_CVV", "7302"),
        ),
        (
            "[00:02:20] CALLER: 4556 7375 8689 9855\n[00:02:31] AGENT: And the expiration?\n"
            "[00:02:33] CALLER: Oh-nine twenty-nine. 09/29.",
            ("CREDIT_DEBIT_CARD_EXPIRY", "09/29"),
        ),
        (
            "Agent: Your passport number for the booking?\nPassenger: Sure, it's American: 561204378.",
            ("US_PASSPORT_NUMBER", "561204378"),
        ),
        ("username ops password 0 Edge!Lab#2031 role network-admin", ("PASSWORD", "Edge!Lab#2031")),
        ("radius-server host 10.9.0.4 key Rad!usKey#77", ("PASSWORD", "Rad!usKey#77")),
        ("Пароль от роутера на всякий случай: Rout3r!Key55", ("PASSWORD", "Rout3r!Key55")),
        ("Temp password issued: Maple-47-Otter\nCallback: ext 214", ("PASSWORD", "Maple-47-Otter")),
        ('grafana:\n  adminPassword: "Gr@phs-Stg-12"', ("PASSWORD", "Gr@phs-Stg-12")),
        (
            "[10:02] Ana: what's the wifi password at the cabin?\n[10:03] Ben: PineLake#88x",
            ("PASSWORD", "PineLake#88x"),
        ),
        ("Faktura 2291 · Tlf. 41 22 86 09 · mads@sorensen.dk", ("PHONE", "41 22 86 09")),
        ("Vendor\tPaid via\nRosa Flowers\tACH 021000021 / 4471092833", ("US_BANK_ROUTING_NUMBER", "021000021")),
        ("Vendor\tPaid via\nRosa Flowers\tACH 021000021 / 4471092833", ("US_BANK_ACCOUNT_NUMBER", "4471092833")),
        ("Havale için Chase hesabım 5520198374, routing 021000021.", ("US_BANK_ACCOUNT_NUMBER", "5520198374")),
        (
            "Reembolso: depósito directo, ruta 021000021, cuenta 5520198374\nTel: (956) 412-3307",
            ("US_BANK_ACCOUNT_NUMBER", "5520198374"),
        ),
        ("学费缴纳：汇丰银行（香港）SWIFT代码 HSBCHKHHHKH", ("SWIFT_CODE", "HSBCHKHHHKH")),
        ("[18/05 10:20] Vale: ES08 0182 5322 2702 0061 7094 — BBVAESMM", ("SWIFT_CODE", "BBVAESMM")),
        ("My phone number on the account is 214-730-5521.", ("PHONE", "214-730-5521")),
    ],
)
def test_answers_devices_and_pairs_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("Please confirm: sort code 20-45-77, account holder T. Whitcombe.", ("US_BANK_ACCOUNT_NUMBER", "20-45-77")),
        (
            "Your customer account no. 00448127 - quote it as the payment reference.",
            ("US_BANK_ACCOUNT_NUMBER", "00448127"),
        ),
        ("Facture FA-2291 - Référence client : 0072 4418 31 - Montant 250,00 €", ("PHONE", "0072 4418 31")),
        ("An address of 0.0.0.0 means the interface has no lease yet.", ("IP_ADDRESS", "0.0.0.0")),
        ("The import guide shows the format as AB123456C.", ("UK_NATIONAL_INSURANCE_NUMBER", "AB123456C")),
        ('{"capacity": 120, "wifi_password": null}', ("PASSWORD", "null}")),
        ("ACH is fine: acct 219904405 routing 021000021", ("US_BANK_ROUTING_NUMBER", "219904405")),
    ],
)
def test_look_alikes_of_the_last_round_are_not_flagged(text: str, unwanted: tuple[str, str]) -> None:
    assert unwanted not in found(text)

"""PII that the last guardrail round of stop 39 found missed or mis-read: a transcript's answer to a
question on the line before (a phone, an Amex's four-digit code "on the front", an expiry, a
passport), a network device's local password and RADIUS key, a password a few words before its
colon ("Temp password issued:", "Пароль от роутера на всякий случай:"), a Helm chart's
adminPassword, a chat's one-word answer to "the wifi password?", Danish "Tlf.", an "ACH routing /
account" pair, Turkish "hesabım", an account led by "cuenta" with a phone on the next line, "SWIFT代码",
a BIC after an IBAN and a dash, a password "c'est désormais" or "is nu" something, an account in
spaced pairs, an app's routingNumber / accountNumber, "загранпаспорт", a Dutch "telefoon" column;
and what must stay unflagged: a sort code, a customer or rider account, a French "référence
client", 0.0.0.0, a format's example NINO, a null password, an account's digits that happen to pass
the routing checksum, an AWS account beside an IAM role id, synthetic NHS numbers, the Czech banks'
example IBAN, a JAN barcode, a CSV's account column beside a phone column. New sentences, none
from an evaluation set."""

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
        (
            "Info équipe : le mot de passe du portail a changé, c'est désormais Lune#Marais58.",
            ("PASSWORD", "Lune#Marais58"),
        ),
        ("Het wachtwoord van de printer is nu Kaas4Brood#12 (niet doorsturen).", ("PASSWORD", "Kaas4Brood#12")),
        (
            "Your new checking account number is 44 19 02 87 36, routing 021000021.",
            ("US_BANK_ACCOUNT_NUMBER", "44 19 02 87 36"),
        ),
        (
            'userInfo: {routingNumber: "021000021", accountNumber: "58830174629"}',
            ("US_BANK_ROUTING_NUMBER", "021000021"),
        ),
        (
            'userInfo: {routingNumber: "021000021", accountNumber: "58830174629"}',
            ("US_BANK_ACCOUNT_NUMBER", "58830174629"),
        ),
        (
            "Анкета: гражданство США, загранпаспорт № 561204378, действителен до 2031",
            ("US_PASSPORT_NUMBER", "561204378"),
        ),
        ("naam | telefoon | e-mail\nP. de Wit | 06-52718834 | pdewit@ziggo.nl", ("PHONE", "06-52718834")),
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
        ("Role deploy has AROA3XFRBF535PLBIFQQ7, account 310987654321.", ("US_BANK_ACCOUNT_NUMBER", "310987654321")),
        (
            "Only the synthetic NHS numbers 999 999 9999 and 900 000 0009 may appear.",
            ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "900 000 0009"),
        ),
        (
            "Pozor: IBAN CZ65 0800 0000 1920 0014 5399 je jen vzorový příklad.",
            ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "CZ65 0800 0000 1920 0014 5399"),
        ),
        ("商品コード（JAN）：4901234567894　お届け予定：3/16", ("CREDIT_DEBIT_CARD_NUMBER", "4901234567894")),
        ("Fraud flag on rider account 448213: six promo redemptions.", ("US_BANK_ACCOUNT_NUMBER", "448213")),
        (
            'name,account,routing,phone\n"Obi, Ada",8204736155,021000021,(404) 555-0187',
            ("PHONE", "8204736155"),
        ),
    ],
)
def test_look_alikes_of_the_last_round_are_not_flagged(text: str, unwanted: tuple[str, str]) -> None:
    assert unwanted not in found(text)

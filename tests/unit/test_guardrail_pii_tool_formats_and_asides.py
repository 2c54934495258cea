"""PII that the second round after stop 37 found missed or mis-read: values as tools print them (arp's
unpadded MACs, a PNR's "//" e-mail and "PP ... USA" passport, an MT103's account fields, a secret a
shell just decoded, a form's URL-encoded expiry), a keyword behind a bracketed aside, a pause written
"...", a card read digit by digit in comma-paused groups, an SSN under "tax_id", an I-9's "Document
Number", a second password "the old one (...)"; and what must stay unflagged: an identifier a test
calls failing its check, a mapped IPv4 with a bad octet, an incorporation number. New sentences,
none from an evaluation set."""

from __future__ import annotations

import pytest

from tests.support.pii import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$ arp -a\n? (192.168.4.1) at 8:0:27:5c:e1:3 on en1 ifscope [ethernet]", ("MAC_ADDRESS", "8:0:27:5c:e1:3")),
        ("3 SSR CTCE BA HK1 MIRA.OKAFOR//PROTONMAIL.COM", ("EMAIL", "MIRA.OKAFOR//PROTONMAIL.COM")),
        ("2. OKAFOR/MIRA MS   PP 561204378 USA  exp 02AUG33", ("US_PASSPORT_NUMBER", "561204378")),
        (
            ":20:INV-88213\n:50K:/4471920388\nHARBOUR LIGHT FOODS INC\n:59:/DE89370400440532013000",
            ("US_BANK_ACCOUNT_NUMBER", "4471920388"),
        ),
        (
            "$ kubectl get secret db-creds -o jsonpath='{.data.password}' | base64 --decode\nQ7#tLm2vXe\n$ ",
            ("PASSWORD", "Q7#tLm2vXe"),
        ),
        ("card_number=4111007755321018&card_exp=09%2F2028&cvc=417", ("CREDIT_DEBIT_CARD_EXPIRY", "09%2F2028")),
        ("Código de segurança (CVV): 417, cartão 4111 0077 5532 1018", ("CREDIT_DEBIT_CARD_CVV", "417")),
        ("US passport (renewed 2021): 561204378, please attach a copy.", ("US_PASSPORT_NUMBER", "561204378")),
        (
            "IVR: Please say your social insurance number.\nCALLER: 047 821... 137",
            ("CA_SOCIAL_INSURANCE_NUMBER", "047 821... 137"),
        ),
        (
            "AGENT: Which card?\nCALLER: Mastercard, 5 4 1 2, 7 7 5 3, 0 1 3 4, 4 4 4 4",
            ("CREDIT_DEBIT_CARD_NUMBER", "5 4 1 2, 7 7 5 3, 0 1 3 4, 4 4 4 4"),
        ),
        (
            '{"payee": "R. Osei", "tax_id": "518-22-6093", "method": "ach"}',
            ("US_SOCIAL_SECURITY_NUMBER", "518-22-6093"),
        ),
        (
            "List A: Document Title: U.S. Passport  Issuing Authority: U.S. Department of State\n"
            "Document Number: 561204378  Expiration Date: 03/02/2031",
            ("US_PASSPORT_NUMBER", "561204378"),
        ),
        (
            "The office wifi password is Heron-Quay-71 - the old one (Birch#2024) stops working at noon.",
            ("PASSWORD", "Birch#2024"),
        ),
        ("listen on ::ffff:203.0.113.40 port 8443", ("IP_ADDRESS", "::ffff:203.0.113.40")),
    ],
)
def test_tool_formats_asides_and_pauses_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ('cases = {\n  "bad_nhs": "612 493 7705",  # fails modulus 11\n}', ("PHONE", "612 493 7705")),
        ('for bad in ["::ffff:300.1.1.1", "1.2.3"]:', ("IP_ADDRESS", "::ffff:300")),
        ("Supplier file: payroll account RP0002, Incorporation no. 2290418.", ("US_BANK_ACCOUNT_NUMBER", "2290418")),
        ("Son (born 2019) has passport 561204378 on file.", ("US_SOCIAL_SECURITY_NUMBER", "561204378")),
    ],
)
def test_look_alikes_of_this_round_are_not_flagged(text: str, unwanted: tuple[str, str]) -> None:
    assert unwanted not in found(text)

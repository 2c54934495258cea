"""PII that the round after stop 36 found missed or mis-read: a second value of a kind named only by
"previous" or "and my wife's", passwords named by a phrase or a config key of any case, every
character spaced by OCR (its words too), an expiry answered on a transcript's next turn or written
year-first in CJK, national phones of Brazil, New Zealand, Spain and Norway; and what must stay
unflagged: an IBAN's digits failing its check, an ARN's account, a date in an account column, a
version after a migration, a fictional "example number". New sentences, none from an evaluation set."""

from __future__ import annotations

import pytest

from tests.support.pii import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Passport no. 512884063 (expired: 498120557), renewal pending.", ("US_PASSPORT_NUMBER", "498120557")),
        (
            "Mi ITIN es 912-71-4420 y el de mi hermano 944 82 1093, gracias.",
            ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "944 82 1093"),
        ),
        (
            "Her SSN is 512-44-9081 and her clinic ID is 7KX-22. Mine is 433-91-2207.",
            ("US_SOCIAL_SECURITY_NUMBER", "433-91-2207"),
        ),
        ("The password we picked was Harbour!Gull42 but the portal rejects it.", ("PASSWORD", "Harbour!Gull42")),
        (
            "Wi-Fi password is Sandcastle_77 and the staff one is St4ff$Only!, don't share.",
            ("PASSWORD", "St4ff$Only!"),
        ),
        ("$CONFIG = array('dbpassword' => 'Kettle#Brew2024');", ("PASSWORD", "Kettle#Brew2024")),
        ('"AdminPassword"="Lantern-Quay-88"', ("PASSWORD", "Lantern-Quay-88")),
        ("[201]\ntype=friend\nsecret=Gannet7!rocks\n", ("PASSWORD", "Gannet7!rocks")),
        ("ldapsearch -x -D cn=reader,dc=shop -w 'Birch&Fern_31' -b dc=shop", ("PASSWORD", "Birch&Fern_31")),
        ("Clé WPA2 : violette-jardin-62", ("PASSWORD", "violette-jardin-62")),
        ("S I N :  3 7 7  8 9 5  3 8 8", ("CA_SOCIAL_INSURANCE_NUMBER", "3 7 7  8 9 5  3 8 8")),
        (
            "DEBIT CARD\n4 9 2 1  8 1 4 5  3 3 9 3  8 4 4 7\nVALID THRU 1 1 / 2 8",
            ("CREDIT_DEBIT_CARD_NUMBER", "4 9 2 1  8 1 4 5  3 3 9 3  8 4 4 7"),
        ),
        ("Card 5530 3203 5481 6803\nE x p : 0 3 / 2 9   C V V : 2 7 8", ("CREDIT_DEBIT_CARD_CVV", "2 7 8")),
        (
            "Agent: card number?\nCaller: 4532 0151 1283 0366\nAgent: and the expiry?\nCaller: oh nine twenty-eight",
            ("CREDIT_DEBIT_CARD_EXPIRY", "oh nine twenty-eight"),
        ),
        ("カード番号：3575 8413 1324 1974、有効期限：2028年3月", ("CREDIT_DEBIT_CARD_EXPIRY", "2028年3月")),
        ("Amex 3411 238812 96121, CID (4 digits on front): 5521", ("CREDIT_DEBIT_CARD_CVV", "5521")),
        ("Cliente: Ana Souza, cel (21) 98123-4567, prefere WhatsApp", ("PHONE", "(21) 98123-4567")),
        ("Customer\tPhone\nTui Ngata\t(09) 376 5521", ("PHONE", "(09) 376 5521")),
        ("y mi móvil nuevo es el 688 41 27 93, el otro ya no", ("PHONE", "688 41 27 93")),
        ("Betal med Vipps til 48 21 09 77 innen fredag.", ("PHONE", "48 21 09 77")),
        ("Betaling naar NL91 ABNA 0417 1643 00 t.n.v. J. Bakker. Bereikbaar op 06-41872235.", ("PHONE", "06-41872235")),
        (
            "ITIN은 927-74-0888이고 배우자는 다음에 보내겠습니다",
            ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "927-74-0888"),
        ),
    ],
)
def test_second_values_named_passwords_and_ocr_spacing_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        (
            "Validation error: IBAN DE29 4966 9495 9382 5781 10 failed checksum (mod-97)",
            ("CREDIT_DEBIT_CARD_NUMBER", "4966 9495 9382 5781"),
        ),
        (
            "IAM audit (account 4471 1820 9312): arn:aws:iam::447118209312:role/ci",
            ("US_BANK_ACCOUNT_NUMBER", "4471 1820 9312"),
        ),
        ("vendor,routing,account,paid\nAcme,021000021,4471820,2025-11-07", ("US_BANK_ACCOUNT_NUMBER", "2025-11-07")),
        ("Schema migration 3.2.0.12 runs automatically after the upgrade.", ("IP_ADDRESS", "3.2.0.12")),
        ("Aplikace je nyní ve verzi 3.2.1.8.", ("IP_ADDRESS", "3.2.1.8")),
        ("Call 020 7946 0018 (example number, for drama use) to hear the scene.", ("PHONE", "020 7946 0018")),
        ("Batchcode 06-4471-2209 (kit, houdbaar tot 03-2027)", ("PHONE", "06-4471-2209")),
        ("MAIL_PASSWORD=null", ("PASSWORD", "null")),
        (
            "The password reset link is https://shop.test/reset?t=a1b2c3",
            ("PASSWORD", "https://shop.test/reset?t=a1b2c3"),
        ),
        ("SSN 685-15-2671 and passport 447853766 were in the wrong share.", ("US_SOCIAL_SECURITY_NUMBER", "447853766")),
        ("Betala med Swish till 123 456 78 90 i lånedisken.", ("PHONE", "123 456 78 90")),
    ],
)
def test_look_alikes_of_this_round_are_not_flagged(text: str, unwanted: tuple[str, str]) -> None:
    assert unwanted not in found(text)


def test_a_year_and_month_in_japanese_without_a_card_is_no_expiry() -> None:
    assert found("2027年9月に引っ越します。有効期限の話ではありません。") == []

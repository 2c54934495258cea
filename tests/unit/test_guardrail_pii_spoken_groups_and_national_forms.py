"""PII that the round after stop 37 found missed or mis-read: a card read out in comma-paused groups,
a phone given after "in case it bounces", a year said aloud after its month, the code "on the back"
called by its count, IBANs of countries outside SWIFT's registry (Iran's Sheba, Morocco), Junos'
plain-text password, a password "reset to" in a text about logging in, a second value named "celui
de ma blonde" or after a full stop, a year-first expiry and "末三碼" in Chinese; and what must stay
unflagged: a firmware column's versions, a part's code with its quantity, a list of four-digit
numbers, a password "reset to default". New sentences, none from an evaluation set."""

from __future__ import annotations

import pytest

from tests.support.pii import found, found_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "AGENT: Which card today?\nCALLER: The Visa, 4532, 0198, 3377, 6122.",
            ("CREDIT_DEBIT_CARD_NUMBER", "4532, 0198, 3377, 6122"),
        ),
        (
            "AGENT: Can we get a callback number in case the courier is late?\nCALLER: three one two, five five five, "
            "zero one nine eight.",
            ("PHONE", "three one two, five five five, zero one nine eight"),
        ),
        (
            "AGENT: Card number please.\nCALLER: 4532 0198 3377 6122.\nAGENT: And the expiry?\n"
            "CALLER: March thirty-one.",
            ("CREDIT_DEBIT_CARD_EXPIRY", "March thirty-one"),
        ),
        (
            "Card 4532 0198 3377 6122 on file; the four on the back is 8812.",
            ("CREDIT_DEBIT_CARD_CVV", "8812"),
        ),
        (
            "لطفاً مبلغ را به شبای IR27 0170 0000 0010 0324 2000 01 واریز کنید.",
            ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IR27 0170 0000 0010 0324 2000 01"),
        ),
        (
            "Merci de virer l'acompte sur le RIB MA64011519000001205000534921 avant lundi.",
            ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "MA64011519000001205000534921"),
        ),
        (
            "set system login user noc class read-only authentication plain-text-password-value Tide#Pool77",
            ("PASSWORD", "Tide#Pool77"),
        ),
        (
            "Locked out of the payroll portal again, so I reset mine to Maple&Syrup42 this morning.",
            ("PASSWORD", "Maple&Syrup42"),
        ),
        (
            "Mon NAS c'est 046 822 912 (celui de mon chum pour la mutuelle : 277190435), merci.",
            ("CA_SOCIAL_INSURANCE_NUMBER", "277190435"),
        ),
        (
            "Passport number for the booking: 533098124. And my son's is A60419883, the newer book.",
            ("US_PASSPORT_NUMBER", "A60419883"),
        ),
        (
            "信用卡 4532 0198 3377 6122，到期日 2028/11，背面末三碼 309。",
            ("CREDIT_DEBIT_CARD_EXPIRY", "2028/11"),
        ),
        ("信用卡 4532 0198 3377 6122，到期日 2028/11，背面末三碼 309。", ("CREDIT_DEBIT_CARD_CVV", "309")),
    ],
)
def test_spoken_groups_and_national_forms_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        ("node,mgmt_ip,fw\nsw-01,10.20.0.4,3.1.0.22\nsw-02,10.20.0.5,3.1.0.22", ("IP_ADDRESS", "3.1.0.22")),
        ("프린터 고정 IP 요청: 192.168.7.20, 펌웨어 2.33.0.8 입니다.", ("IP_ADDRESS", "2.33.0.8")),
        ("Pick list #4410: CBLTRAY6X2 (cable tray) x4, BRKT90DEG x10", ("SWIFT_CODE", "CBLTRAY6X2")),
        ("The router login stopped working, so I reset it to Factory_Default.", ("PASSWORD", "Factory_Default")),
        ("We moved the portal's maintenance window; I set it to Monday-Friday.", ("PASSWORD", "Monday-Friday")),
    ],
)
def test_look_alikes_of_this_round_are_not_flagged(text: str, unwanted: tuple[str, str]) -> None:
    assert unwanted not in found(text)


def test_four_numbers_in_a_list_are_a_card_only_where_a_card_is_named() -> None:
    """The four pass Luhn together, as one card's digits would."""
    assert found_of("CREDIT_DEBIT_CARD_NUMBER", "Visa card read out: 4000, 4001, 4002, 4005.") != []
    assert found_of("CREDIT_DEBIT_CARD_NUMBER", "Room numbers this term: 4000, 4001, 4002, 4005.") == []


def test_a_year_first_date_with_no_expiry_word_is_no_expiry() -> None:
    text = "Card 4532 0198 3377 6122. The report for 2027/03 is due."
    assert ("CREDIT_DEBIT_CARD_EXPIRY", "2027/03") not in found(text)


def test_the_ip_address_before_a_firmware_word_stays_an_address() -> None:
    assert ("IP_ADDRESS", "192.168.7.20") in found("프린터 고정 IP 요청: 192.168.7.20, 펌웨어 2.33.0.8 입니다.")

"""PII that stop 41's guardrail round found missed or mis-read: an aligned payments table whose name
cells hold a comma ("OKAFOR, JUDE"), its routing and account numbers rows below their headers; a
lab export's NHS numbers in a column headed "nhs_number", each after a cell ending in a digit; "the
3 digit is 951" after a card. And what must stay unflagged: a German customer number that starts
like a Swiss dialling code, a loyalty card's 4-4-4-4 digits that fail Luhn (not a 12-digit card and
its code). New sentences, none from an evaluation set."""

from __future__ import annotations

from tests.support.pii import found, found_of

PAYMENTS = (
    "Upcoming credits (PPD)\n"
    "Payee                Routing     Account         Amount\n"
    "OKAFOR, JUDE         083016613   4410092217      1,210.00\n"
    "LINDQVIST, MAJA      121547280   000561238814    3,004.75\n"
    "PEREZ, ANA           116372651   77120045          612.30\n"
)
LAB_EXPORT = (
    "specimen,nhs_number,analyte,value\n"
    "SP-2211,462 889 7514,Sodium,139\n"
    "SP-2212,920 831 2402,Potassium,4.1\n"
    "SP-2213,443 198 2965,Urea,5.6\n"
    "SP-2214,463 319 1284,Creatinine,78\n"
)


def test_every_row_of_an_aligned_table_with_commas_in_its_names_keeps_its_columns() -> None:
    assert found_of("US_BANK_ROUTING_NUMBER", PAYMENTS) == ["083016613", "121547280", "116372651"]
    assert found_of("US_BANK_ACCOUNT_NUMBER", PAYMENTS) == ["4410092217", "000561238814", "77120045"]


def test_nhs_numbers_in_a_column_headed_so_are_found_on_every_row() -> None:
    assert found_of("UK_NATIONAL_HEALTH_SERVICE_NUMBER", LAB_EXPORT) == [
        "462 889 7514",
        "920 831 2402",
        "443 198 2965",
        "463 319 1284",
    ]


def test_a_spaced_number_after_a_cell_ending_in_a_digit_is_no_thousands_group() -> None:
    amounts = "qty,price\n1,250 units shipped,3,100 returned\n"
    assert found(amounts) == []


def test_the_three_digits_named_after_a_card_are_its_cvv() -> None:
    text = "card 4556 7375 8689 9855 exp 04/29 and the 3 digit is 318. zip 10027"
    assert ("CREDIT_DEBIT_CARD_CVV", "318") in found(text)


def test_a_customer_number_that_starts_like_a_dialling_code_is_no_phone() -> None:
    text = "Rechnung 2025-0117, Kundennummer 0049-221-4471, bitte bei Rückfragen angeben."
    assert found_of("PHONE", text) == []


def test_a_loyalty_cards_digits_failing_luhn_are_not_a_shorter_card_and_its_code() -> None:
    text = "Tarjeta de puntos nº 6354 0091 7145 2117 (solo para acumular puntos)."
    kinds = {kind for kind, _ in found(text)}
    assert "CREDIT_DEBIT_CARD_NUMBER" not in kinds and "CREDIT_DEBIT_CARD_CVV" not in kinds

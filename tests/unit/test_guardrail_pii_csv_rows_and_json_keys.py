"""A card's expiry and CVV written as CSV writes them, with no space after the commas, are found as
they are after ", ": a comma after a card number or a date is a cell's edge, not a thousands group; and
a number whose own key names a quantity is that quantity, whatever account a key beside it names."""

from __future__ import annotations

import pytest

from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner

SCANNER = Scanner(PATTERN_TYPES)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in SCANNER.scan(text)]


def test_a_csv_rows_expiry_and_cvv_after_its_card_number_are_found() -> None:
    text = "card_number,exp,cvv,amount\n5166000000000009,04/27,281,19.99\n4111111111111111,12/2025,7714,5.00"
    assert found(text) == [
        ("CREDIT_DEBIT_CARD_NUMBER", "5166000000000009"),
        ("CREDIT_DEBIT_CARD_EXPIRY", "04/27"),
        ("CREDIT_DEBIT_CARD_CVV", "281"),
        ("CREDIT_DEBIT_CARD_NUMBER", "4111111111111111"),
        ("CREDIT_DEBIT_CARD_EXPIRY", "12/2025"),
        ("CREDIT_DEBIT_CARD_CVV", "7714"),
    ]


@pytest.mark.parametrize("separator", [",", ", ", ";"])
def test_an_expiry_and_cvv_after_a_card_are_found_whatever_the_comma_spacing(separator: str) -> None:
    text = f"card 5166000000000009{separator}04/27{separator}281"
    assert [kind for kind, _ in found(text)] == [
        "CREDIT_DEBIT_CARD_NUMBER",
        "CREDIT_DEBIT_CARD_EXPIRY",
        "CREDIT_DEBIT_CARD_CVV",
    ]


@pytest.mark.parametrize(
    "text",
    ["The price rose from 1,234 to 3,14 euros.", "On 12/25,300 visitors came.", "Totals: 4,500,281 and 12,25"],
)
def test_thousands_groups_and_decimal_commas_stay_numbers(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("key", ["amount_cents", "amountCents", "total", "balance_usd", "order_id", "ts"])
def test_a_number_whose_own_key_names_a_quantity_is_no_account_whatever_key_beside_it_says(key: str) -> None:
    assert found(f'{{"account_type": "checking", "{key}": 250000}}') == []


@pytest.mark.parametrize("key", ["account_number", "accounts", "acct"])
def test_a_number_under_an_account_key_is_still_an_account(key: str) -> None:
    text = f'{{"account_type": "checking", "{key}": "10158979729"}}'
    assert found(text) == [("US_BANK_ACCOUNT_NUMBER", "10158979729")]

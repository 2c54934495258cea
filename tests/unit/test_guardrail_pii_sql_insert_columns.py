"""An SQL INSERT names its values in its column list: a routing number, an account number, an NHS
number or a BIC in a VALUES tuple is read under its column's name, in every tuple of a bulk insert,
as a CSV cell is read under its header; a column named otherwise says nothing."""

from __future__ import annotations

from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner
from gateway.guardrails.pii.sql_columns import Statements

SCANNER = Scanner(PATTERN_TYPES)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in SCANNER.scan(text)]


def test_bank_numbers_in_an_insert_are_read_under_their_columns() -> None:
    text = "INSERT INTO direct_deposit (emp_id, routing_no, account_no) VALUES (3301, '019533089', '10158979729');"
    assert found(text) == [("US_BANK_ROUTING_NUMBER", "019533089"), ("US_BANK_ACCOUNT_NUMBER", "10158979729")]


def test_every_tuple_of_a_bulk_insert_is_read_under_the_column_list() -> None:
    text = "INSERT INTO patients (nhs_number, surname) VALUES ('1072221209', 'Okoye'), ('2678389804', 'Hughes');"
    assert found(text) == [
        ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "1072221209"),
        ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "2678389804"),
    ]


def test_a_bic_in_a_column_of_its_own_is_found_however_far_the_column_list() -> None:
    text = (
        "INSERT INTO vendors (name, iban, swift) "
        "VALUES ('Tipografia Rossi, S.r.l.', 'IT60X0542811101000000123456', 'BCITITMM');"
    )
    assert ("SWIFT_CODE", "BCITITMM") in found(text)


def test_numbers_in_columns_named_otherwise_are_not_bank_numbers() -> None:
    assert found("INSERT INTO orders (id, qty, total) VALUES (3301, 019533089, 10158979729);") == []


def test_quoted_commas_and_doubled_quotes_do_not_move_a_cell_to_another_column() -> None:
    text = "INSERT INTO t (note, routing) VALUES ('it''s, a note', '021000021')"
    statements = Statements(text)
    assert statements.column(text.index("021000021")) == "routing"
    assert statements.column(text.index("it''s")) == "note"
    assert statements.column(0) is None

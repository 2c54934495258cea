"""A value written flush against Han, kana or Hangul is found: those scripts use no spaces, and their
letters are word characters to the patterns' boundaries, so "番号は5196030824628192です" held no card
number. Dates, prices, versions and order numbers written the same way stay unflagged. And the
40-character tail of a key such as sk_live_... is no AWS secret key."""

from __future__ import annotations

import pytest

from gateway.guardrails.pii.scanner import PATTERN_TYPES, Scanner

EVERY_TYPE = Scanner(PATTERN_TYPES)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.type, text[f.start : f.end]) for f in EVERY_TYPE.scan(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "新しいクレジットカード番号は5196030824628192です。有効期限は10/27です。",
            [("CREDIT_DEBIT_CARD_NUMBER", "5196030824628192"), ("CREDIT_DEBIT_CARD_EXPIRY", "10/27")],
        ),
        ("我的社会安全号码是523-41-8876。", [("US_SOCIAL_SECURITY_NUMBER", "523-41-8876")]),
        ("서버 IP는 172.31.255.10입니다", [("IP_ADDRESS", "172.31.255.10")]),
        ("電話番号は090-1234-5678です。", [("PHONE", "090-1234-5678")]),
        ("메일 a.b@corp.com입니다", [("EMAIL", "a.b@corp.com")]),
    ],
)
def test_a_value_flush_against_han_kana_or_hangul_is_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024年10月27日に会議があります。",
        "価格は1,280円です。",
        "バージョン3.12.1をインストールしてください。",
        "第3四半期の売上は25%増加しました。",
        "注文番号4411209377651234です",  # fails Luhn
        "会议在2024年3月5日下午3点举行，地点是5楼501室。",
    ],
)
def test_dates_prices_versions_and_order_numbers_in_those_scripts_stay_unflagged(text: str) -> None:
    assert found(text) == []


def test_the_tail_of_an_underscored_key_is_no_aws_secret_key() -> None:
    key = "sk_live_51HqT8eKZ2vYx9LmN3pR7wB4cJ6dF1gAs0KiOuXt"
    assert found(f"stripe secret: {key}") == [("PASSWORD", key)]
    secret = "Zx3kLm9QpR7sT2vW8yB4nC6dF1gH5jK0aE/u+Yio"
    assert found(f"aws_secret_access_key = {secret}") == [("AWS_SECRET_KEY", secret)]

"""PII in what people paste and type that the earlier phrasings missed: tables whose header names a
column, cards grouped oddly, a CVV called just "code", credentials in login commands, Redis and
cloud-init, phone digits typed one at a time; and what only looks like PII there (placeholders,
container images, an insurance policy's expiry, a hospital's own number)."""

from __future__ import annotations

import pytest

from tests.support.pii import found


def test_a_csv_export_keeps_each_column_named_by_its_header_rows_below_it() -> None:
    text = "employee,routing_number,account_number\nLee,021000021,4417200391\nKim,011000015,99023318\n"
    assert found(text) == [
        ("US_BANK_ROUTING_NUMBER", "021000021"),
        ("US_BANK_ACCOUNT_NUMBER", "4417200391"),
        ("US_BANK_ROUTING_NUMBER", "011000015"),
        ("US_BANK_ACCOUNT_NUMBER", "99023318"),
    ]


def test_a_markdown_table_names_a_column_of_social_security_numbers() -> None:
    text = "| name | ssn | team |\n|---|---|---|\n| Lee | 536228841 | ops |\n| Kim | 219099999 | qa |"
    assert found(text) == [("US_SOCIAL_SECURITY_NUMBER", "536228841"), ("US_SOCIAL_SECURITY_NUMBER", "219099999")]


def test_numbers_under_a_header_that_names_nothing_stay_numbers() -> None:
    assert found("sku,units,revenue\nA-1,021000021,4417200391\n") == []


def test_thousands_separators_are_not_cells() -> None:
    assert found("Routing volumes: 1,234,567 payments and 12,345 returns, account total 9,876,543.") == []


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("ok so my card is 49 45 8073 0215 7365", "49 45 8073 0215 7365"),
        ("Card for the deposit: 518193 0364 262129 thanks", "518193 0364 262129"),
    ],
)
def test_a_card_grouped_in_no_printed_format_is_a_card_when_a_card_is_named(text: str, card: str) -> None:
    assert found(text) == [("CREDIT_DEBIT_CARD_NUMBER", card)]


def test_digits_grouped_oddly_without_a_card_named_are_not_a_card() -> None:
    assert found("batch 49 45 8073 0215 7365 shipped") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Diners 3699 722003 3224, exp. 07-29, code 418",
            [("CREDIT_DEBIT_CARD_EXPIRY", "07-29"), ("CREDIT_DEBIT_CARD_CVV", "418")],
        ),
        ("the three numbers on the back are 417", [("CREDIT_DEBIT_CARD_CVV", "417")]),
        ("cvv 331 exp 1128", [("CREDIT_DEBIT_CARD_CVV", "331"), ("CREDIT_DEBIT_CARD_EXPIRY", "1128")]),
    ],
)
def test_a_cards_code_and_expiry_in_short_words(text: str, expected: list[tuple[str, str]]) -> None:
    assert [f for f in found(text) if f[0] != "CREDIT_DEBIT_CARD_NUMBER"] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Your travel insurance policy expires 09/2026.",
        "The annual subscription expires 06/2027 unless renewed.",
        "Parking permit valid until 11/2026.",
    ],
)
def test_a_policys_or_subscriptions_expiry_is_no_cards(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("+ docker login -u ci-bot -p Tr4ck!ng-77 registry.internal", "Tr4ck!ng-77"),
        ("podman login --username ops --password Gl4ss-Harbor quay.io", "Gl4ss-Harbor"),
        ("redis-cli -h cache-01 -a Br1ght-Lantern-8 ping", "Br1ght-Lantern-8"),
        ("then send AUTH default Zx9-kettle-42 before anything else", "Zx9-kettle-42"),
        ("echo 'deploy:W1nter-Fjord!' | sudo chpasswd", "W1nter-Fjord!"),
        ("#cloud-config\nchpasswd:\n  list: |\n    admin:Qu1et-Otter-5\n  expire: false", "Qu1et-Otter-5"),
        ("the pass for the office wifi is Heron#Lake42", "Heron#Lake42"),
    ],
)
def test_passwords_in_login_commands_redis_and_cloud_init(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "the pass for the museum is free",
        "a bus pass for May is 2.50",
        "#cloud-config\nchpasswd:\n  list: |\n    ubuntu:RANDOM\n",
        "docker login -u ci-bot -p $REGISTRY_TOKEN registry.internal",
    ],
)
def test_what_only_looks_like_a_password_there(text: str) -> None:
    assert [f for f in found(text) if f[0] == "PASSWORD"] == []


def test_an_access_key_of_one_repeated_character_is_a_placeholder() -> None:
    assert found("aws_access_key_id = AKIAXXXXXXXXXXXXXXXX") == []
    assert found("aws_access_key_id = AKIA0000000000000000") == []
    assert found("aws_access_key_id = AKIAIOSFODNN7EXAMPLE") == [("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")]


@pytest.mark.parametrize(
    "text",
    [
        "image: quay.io/prometheus/node-exporter:v1.8.1",
        "FROM ghcr.io/acme/api@sha256:" + "0123456789abcdef" * 4,
    ],
)
def test_a_container_images_reference_is_not_a_url(text: str) -> None:
    assert found(text) == []


def test_a_registrys_page_is_still_a_url() -> None:
    assert found("see quay.io/repository/prometheus/node-exporter for tags") == [
        ("URL", "quay.io/repository/prometheus/node-exporter")
    ]


def test_phone_digits_typed_one_at_a_time_after_a_phone_word() -> None:
    assert found("text me at 4 1 5 5 5 5 0 1 9 8") == [("PHONE", "4 1 5 5 5 5 0 1 9 8")]
    assert found("pi starts 3 1 4 1 5 9 2 6 5 3") == []


def test_a_hospitals_number_for_a_patient_is_not_a_phone() -> None:
    assert found("Hospital no. 512 338 7740") == []


def test_a_national_insurance_number_in_lower_case_after_ni_num() -> None:
    assert found("ni num is ab123456c i think") == [("UK_NATIONAL_INSURANCE_NUMBER", "ab123456c")]


def test_hmrcs_example_number_is_a_placeholder_when_the_sentence_says_so() -> None:
    assert found("NI number QQ 12 34 56 C is only the example on the form.") == []
    assert found("My NI number is QQ123456C.") == [("UK_NATIONAL_INSURANCE_NUMBER", "QQ123456C")]

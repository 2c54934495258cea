"""The sensitive information policy as a caller sees it: which PII a guardrail finds in a prompt,
what it reports (Bedrock's assessment entries) and what the text becomes ({EMAIL} placeholders),
and what it leaves alone (order numbers, dates, versions, prices, prose about passwords)."""

from __future__ import annotations

import pytest

from gateway.guardrails.definition import Side
from tests.support.pii import found
from tests.unit.pii_guard_helpers import guard


def test_an_email_and_a_phone_number_are_masked_with_their_type_placeholders() -> None:
    outcome = guard(
        "Write to jane.doe@example.com or call (415) 555-0132.",
        [{"type": "EMAIL", "action": "ANONYMIZE"}, {"type": "PHONE", "action": "ANONYMIZE"}],
    )
    assert outcome.outputs == ["Write to {EMAIL} or call {PHONE}."]
    assert outcome.assessment()["sensitiveInformationPolicy"] == {
        "piiEntities": [
            {"match": "jane.doe@example.com", "type": "EMAIL", "action": "ANONYMIZED", "detected": True},
            {"match": "(415) 555-0132", "type": "PHONE", "action": "ANONYMIZED", "detected": True},
        ],
        "regexes": [],
    }


def test_a_blocked_type_blocks_the_prompt_with_the_guardrails_message() -> None:
    outcome = guard("My SSN is 536-22-8841.", [{"type": "US_SOCIAL_SECURITY_NUMBER", "action": "BLOCK"}])
    assert outcome.blocked and outcome.outputs == ["Blocked input."]


def test_action_none_reports_the_match_and_changes_nothing() -> None:
    outcome = guard("Card 4111 1111 1111 1111", [{"type": "CREDIT_DEBIT_CARD_NUMBER", "action": "NONE"}])
    assert not outcome.intervened and outcome.outputs == []
    assert outcome.assessment(full=True)["sensitiveInformationPolicy"]["piiEntities"][0]["action"] == "NONE"


def test_each_side_has_its_own_action_and_switch() -> None:
    entities = [{"type": "EMAIL", "action": "BLOCK", "inputAction": "ANONYMIZE", "outputEnabled": False}]
    assert guard("a.b@example.com", entities).outputs == ["{EMAIL}"]
    assert not guard("a.b@example.com", entities, side=Side.OUTPUT).detections


def test_custom_regexes_are_reported_by_name_and_masked_with_it() -> None:
    outcome = guard(
        "Ticket TCK-004211 for EMP-7", regexes=[{"name": "ticket", "pattern": r"TCK-\d{6}", "action": "ANONYMIZE"}]
    )
    assert outcome.outputs == ["Ticket {ticket} for EMP-7"]
    assert outcome.assessment()["sensitiveInformationPolicy"]["regexes"] == [
        {"name": "ticket", "match": "TCK-004211", "regex": r"TCK-\d{6}", "action": "ANONYMIZED", "detected": True}
    ]


def test_a_regex_per_side_action_blocks_outputs_only() -> None:
    regexes = [{"name": "code", "pattern": r"PRJ-\d+", "action": "NONE", "outputAction": "BLOCK"}]
    assert not guard("PRJ-12", regexes=regexes).intervened
    assert guard("PRJ-12", regexes=regexes, side=Side.OUTPUT).outputs == ["Blocked output."]


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",
        "5555-5555-5555-4444",
        "3782 822463 10005",
        "6011000990139424",
        "3056 9309 0259 04",
        "3530 1113 3330 0000",
        "2221 0000 0000 0009",
    ],
)
def test_card_numbers_of_each_issuer_are_found_with_spaces_or_dashes(card: str) -> None:
    assert found(f"Charge {card} today.") == [("CREDIT_DEBIT_CARD_NUMBER", card)]


@pytest.mark.parametrize(
    "text",
    [
        "Order 4111 1111 1111 1112 is late.",  # fails Luhn
        "Reference 1234 5678 9012 3456.",
        "IMEI 490154203237518",  # Luhn-valid, but no issuer uses that prefix and length
        "epoch 1699999999999 ms",
    ],
)
def test_numbers_that_only_look_like_cards_are_left_alone(text: str) -> None:
    assert found(text) == []


def test_cvv_and_expiry_count_next_to_a_card_or_their_keyword_only() -> None:
    assert found("4111 1111 1111 1111 09/27 123") == [
        ("CREDIT_DEBIT_CARD_NUMBER", "4111 1111 1111 1111"),
        ("CREDIT_DEBIT_CARD_EXPIRY", "09/27"),
        ("CREDIT_DEBIT_CARD_CVV", "123"),
    ]
    assert found("exp 12/26, CVV: 4321") == [("CREDIT_DEBIT_CARD_EXPIRY", "12/26"), ("CREDIT_DEBIT_CARD_CVV", "4321")]
    assert found("Room 123, due 12/25, ratio 3/4") == []


def test_a_cvv_is_found_after_a_keyword_holding_a_digit_or_described_as_the_digits_on_the_back() -> None:
    assert found("CVC2: 806") == [("CREDIT_DEBIT_CARD_CVV", "806")]
    assert found("The three digits on the back of my card are 271.") == [("CREDIT_DEBIT_CARD_CVV", "271")]


def test_a_cvv_alone_is_found_when_only_the_cvv_is_configured() -> None:
    outcome = guard("4111 1111 1111 1111 cvv 987", [{"type": "CREDIT_DEBIT_CARD_CVV", "action": "ANONYMIZE"}])
    assert outcome.outputs == ["4111 1111 1111 1111 cvv {CREDIT_DEBIT_CARD_CVV}"]


def test_social_security_numbers_follow_the_ssa_rules_and_need_the_word_without_dashes() -> None:
    assert found("SSN: 536-22-8841") == [("US_SOCIAL_SECURITY_NUMBER", "536-22-8841")]
    assert found("my social security number is 536228841") == [("US_SOCIAL_SECURITY_NUMBER", "536228841")]
    assert found("batch 536228841 shipped") == []
    assert found("000-12-3456, 666-12-3456, 123-00-4567, 123-45-0000") == []
    assert found("Part number 536-22-8841") == []


def test_itins_are_nine_hundreds_in_the_irs_ranges() -> None:
    assert found("ITIN 912-70-1234 and 955-51-2222") == [
        ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "912-70-1234"),
        ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "955-51-2222"),
    ]
    assert found("ITIN 912-69-1234") == []


def test_routing_and_account_numbers_need_banking_words_and_routing_its_checksum() -> None:
    assert found("routing 021000021, account number 000123456789") == [
        ("US_BANK_ROUTING_NUMBER", "021000021"),
        ("US_BANK_ACCOUNT_NUMBER", "000123456789"),
    ]
    assert found("routing and account numbers: 121000358 and 4423018876") == [
        ("US_BANK_ROUTING_NUMBER", "121000358"),
        ("US_BANK_ACCOUNT_NUMBER", "4423018876"),
    ]
    assert found("routing number 123456789") == []  # fails the ABA checksum
    assert found("Reference 021000021") == []
    assert found("the account was charged $45.99 in 2024") == []


def test_a_card_number_in_an_account_sentence_is_a_card_only() -> None:
    assert found("account number 4111111111111111") == [("CREDIT_DEBIT_CARD_NUMBER", "4111111111111111")]


@pytest.mark.parametrize(
    "phone",
    [
        "(415) 555-0132",
        "212-555-0187",
        "646.555.0199",
        "+1 312 555 0143",
        "1-800-555-0199",
        "+44 20 7946 0958",
        "+33 1 42 68 53 00",
        "+91 98765 43210",
        "+81 3-1234-5678",
        "020 7946 0958",
        "07700 900123",
    ],
)
def test_phone_numbers_in_international_and_national_formats(phone: str) -> None:
    assert found(f"Call me on {phone} tomorrow.") == [("PHONE", phone)]


@pytest.mark.parametrize(
    "text",
    [
        "Order #84920-3371 shipped.",
        "It costs $1,234,567.89.",
        "Upgrade from 10.2.3 to 10.4.1.",
        "ISBN 978-0-306-40615-7",
        "Dates 2024-01-15 and 12/05/2023.",
        "ZIP 94105-1234",
        "Serial number 123-456-7890",
        "Order number: 1122334455",
        "Tracking 1Z 999 AA1 01 2345 6784",
        "Request 3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c",
    ],
)
def test_order_numbers_dates_versions_prices_and_ids_are_not_phone_numbers(text: str) -> None:
    assert found(text) == []


def test_a_bare_ten_digit_number_is_a_phone_number_only_beside_a_phone_word() -> None:
    assert found("phone: 4155550132") == [("PHONE", "4155550132")]
    assert found("id 4155550132") == []


def test_ibans_are_checked_with_mod_97_across_their_printed_groups() -> None:
    assert found("IBAN GB82 WEST 1234 5698 7654 32 AND MORE") == [
        ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "GB82 WEST 1234 5698 7654 32")
    ]
    assert found("pay NL91ABNA0417164300") == [("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "NL91ABNA0417164300")]
    assert found("IBAN GB82 WEST 1234 5698 7654 33") == []


def test_swift_codes_without_digits_need_a_banking_word() -> None:
    assert found("BIC COBADEFFXXX, swift DEUTDEFF, or BOFAUS3N") == [
        ("SWIFT_CODE", "COBADEFFXXX"),
        ("SWIFT_CODE", "DEUTDEFF"),
        ("SWIFT_CODE", "BOFAUS3N"),
    ]
    assert found("THIS HOSPITAL POLICY IS IMPORTANT FOR EVERY CUSTOMER") == []


def test_dotted_quads_are_ip_addresses_unless_called_a_version_or_a_section() -> None:
    assert found("server 192.168.1.20 and 8.8.8.8.") == [("IP_ADDRESS", "192.168.1.20"), ("IP_ADDRESS", "8.8.8.8")]
    assert found("version 1.2.3.4, section 4.2.1.3, v10.0.19041.1, 256.1.1.1, OID 1.3.6.1.4.1") == []
    assert found("Router update 3.10.2.1 is rolling out; upgrade to 4.2.0.1 tonight") == []
    assert found("Upgrade the server at 192.168.4.7 tonight") == [("IP_ADDRESS", "192.168.4.7")]


def test_ipv6_and_mac_addresses() -> None:
    assert found("host 2001:db8::8a2e:370:7334 mac 00:1A:2B:3C:4D:5E or 0011.2233.4455") == [
        ("IP_ADDRESS", "2001:db8::8a2e:370:7334"),
        ("MAC_ADDRESS", "00:1A:2B:3C:4D:5E"),
        ("MAC_ADDRESS", "0011.2233.4455"),
    ]
    assert found("std::vector and 12:30:45") == []


def test_urls_with_and_without_a_scheme_but_not_file_or_library_names() -> None:
    assert found("See https://docs.example.com/a?b=1, www.example.org and github.com/org/repo.") == [
        ("URL", "https://docs.example.com/a?b=1"),
        ("URL", "www.example.org"),
        ("URL", "github.com/org/repo"),
    ]
    assert found("Save report.txt, run main.py, use node.js, call df.info().") == []
    assert found("from gateway.app import app; self.info = tls.ca") == []  # attributes, not hosts


def test_emails_are_not_file_names_or_url_credentials() -> None:
    assert found("icon@2x.png") == []
    assert ("EMAIL", "secret@db.example.com") not in found("postgres://admin:secret@db.example.com/app")


def test_aws_keys_and_api_tokens_are_found_as_secrets() -> None:
    text = "AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY and sk-proj-4fJ9kLm2QxT7vB1nR8sW3yZ6aC0d"
    assert found(text) == [
        ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("PASSWORD", "sk-proj-4fJ9kLm2QxT7vB1nR8sW3yZ6aC0d"),
    ]
    assert found("commit 9fceb02d0ae598e95dc970b74767f19372d61af8") == []


def test_a_private_key_block_is_a_secret_whole() -> None:
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"
    assert found(f"key:\n{pem}\nthanks") == [("PASSWORD", pem)]


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("password: hunter2", "hunter2"),
        ("My password is Tr0ub4dor&3, thanks", "Tr0ub4dor&3"),
        ("the wifi password is 'correct horse battery staple'", "correct horse battery staple"),
        ("DB_PASSWORD=pa55w0rd!", "pa55w0rd!"),
        ("The admin password for the router is sunshine.", "sunshine"),
        ("username admin password admin123", "admin123"),
        ("I set the shared laptop's password to marigold77.", "marigold77"),
        ("I set the wifi password to Blue-Heron-42 yesterday", "Blue-Heron-42"),
        ("the password for wi-fi is Zq81-plum", "Zq81-plum"),
    ],
)
def test_password_values_are_found(text: str, password: str) -> None:
    assert found(text) == [("PASSWORD", password)]


@pytest.mark.parametrize(
    "text",
    [
        "A password is required to continue.",
        "Please reset your password using the link.",
        "Password: must be at least 12 characters long.",
        "Forgot password? Use the password manager.",
        "Replace sk-your-key-here with your key.",
        "Set the password to expire in 90 days.",
        "Change the password to something stronger, then log in again.",
    ],
)
def test_prose_about_passwords_is_not_a_password(text: str) -> None:
    assert found(text) == []


def test_uk_identifiers() -> None:
    assert found("NINO AB 12 34 56 C, NHS number 943 476 5919, UTR 1955839661") == [
        ("UK_NATIONAL_INSURANCE_NUMBER", "AB 12 34 56 C"),
        ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "943 476 5919"),
        ("UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "1955839661"),
    ]
    assert found("NHS number 943 476 5918") == []  # mod 11 fails
    assert found("GB123456A and DF 12 34 56 A") == []  # prefixes HMRC never uses


def test_canadian_identifiers() -> None:
    assert found("SIN 046 454 286; OHIP health card 1234-567-890 AB") == [
        ("CA_SOCIAL_INSURANCE_NUMBER", "046 454 286"),
        ("CA_HEALTH_NUMBER", "1234-567-890 AB"),
    ]
    assert found("SIN 123 456 789") == []  # fails Luhn


def test_vins_carry_a_check_digit_or_need_the_word() -> None:
    assert found("car 1HGCM82633A004352") == [("VEHICLE_IDENTIFICATION_NUMBER", "1HGCM82633A004352")]
    assert found("VIN: WVWZZZ1JZXW000001") == [("VEHICLE_IDENTIFICATION_NUMBER", "WVWZZZ1JZXW000001")]
    assert found("ref ABCD1234EFGH5678J") == []


def test_plates_licences_passports_and_pins_count_only_beside_their_words() -> None:
    text = "plate number 7ABC123, driver's license D1234567, passport A12345678, PIN is 4821"
    assert found(text) == [
        ("LICENSE_PLATE", "7ABC123"),
        ("DRIVER_ID", "D1234567"),
        ("US_PASSPORT_NUMBER", "A12345678"),
        ("PIN", "4821"),
    ]
    assert found("a plate of pasta, pin 3 of the chip, 2000 ATMs take your PIN") == []

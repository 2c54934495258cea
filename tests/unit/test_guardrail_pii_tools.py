"""PII in what tools print and people export: password columns of a CSV, XML settings, Wi-Fi QR
payloads, Postman variables, terraform plans, sshpass; cheque MICR lines, a card written with dots,
an IBAN typed in lower case, a BIC in an MT103 field; and what only looks like PII there (test
results in a "pass" column, "using password: YES", a promo code, a BIC template, a passport's
expiry, a Kubernetes annotation key)."""

from __future__ import annotations

import pytest

from tests.support.pii import found, found_of


def passwords(text: str) -> list[str]:
    return found_of("PASSWORD", text)


def test_a_password_managers_export_has_its_password_column_found() -> None:
    text = 'name,url,username,password\nBank,https://bank.test/login,jo82,Tide!Pool1982\nMail,,jo82,"lamp,post9"\n'
    assert passwords(text) == ["Tide!Pool1982", "lamp,post9"]


def test_a_pass_column_of_test_results_holds_no_passwords() -> None:
    assert passwords("suite,case,pass\nauth,login,pass\nauth,logout,fail\n") == []
    assert passwords("test,result\nlogin,pass\nsignup,fail\n") == []


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("<server><id>nexus</id><password>Nx!deploy7731</password></server>", "Nx!deploy7731"),
        ("WIFI:S:Cafe_Guest;T:WPA;P:latte-art-2207;;", "latte-art-2207"),
        ('{"key": "adminPass", "value": "Tp!stage_2031#", "type": "secret"}', "Tp!stage_2031#"),
        ('~ password = "Winter2023!" -> "Rain#Delta-19"', "Rain#Delta-19"),
        ("sshpass -p 'Gr8Plains!31' rsync -av out/ lab@10.0.0.5:/scratch", "Gr8Plains!31"),
        ("Installer left admin login as admin / Lobby$Hub2031 on a note", "Lobby$Hub2031"),
        ("CELERY_BROKER_URL=redis://:Q7hR2mX9vZ@cache-01:6379/0", "Q7hR2mX9vZ"),
    ],
)
def test_a_secret_in_a_tools_own_format_is_found(text: str, secret: str) -> None:
    assert secret in passwords(text)


@pytest.mark.parametrize(
    "text",
    [
        "ERROR 1045 (28000): Access denied for user 'root'@'%' (using password: YES)",
        "login failed user=dnovak reason=bad_password attempts=5",
        "~ password = (sensitive value)",
        "RECEIPT / AUTH CODE 00481Z / THANK YOU",
    ],
)
def test_what_a_log_says_about_a_password_is_not_one(text: str) -> None:
    assert passwords(text) == []


def test_a_cheques_micr_line_gives_its_routing_and_account_numbers() -> None:
    assert found("MICR: ⑆055203409⑆ 1022657800⑈ 1042") == [
        ("US_BANK_ROUTING_NUMBER", "055203409"),
        ("US_BANK_ACCOUNT_NUMBER", "1022657800"),
    ]


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("card no. 4666.1760.3137.2159 exp 12-26", "4666.1760.3137.2159"),
        ("CARD  NO :  4666  1760  3137  2159", "4666  1760  3137  2159"),
        ("DEBUG authorize req card=5812462016849340 amt=42.10", "5812462016849340"),
    ],
)
def test_cards_written_with_dots_doubled_spaces_or_in_maestros_ranges_are_found_when_named(
    text: str, card: str
) -> None:
    assert ("CREDIT_DEBIT_CARD_NUMBER", card) in found(text)


def test_a_maestro_range_number_without_a_card_named_is_not_a_card() -> None:
    assert found("build 5812462016849340 passed") == []


def test_dotted_digits_without_a_card_named_are_not_a_card() -> None:
    assert found("checksum 4666.1760.3137.2159 matched") == []


def test_an_iban_typed_in_lower_case_and_a_bic_in_an_mt103_field_are_found() -> None:
    assert found("IBAN (as the app shows it): de56787789328792174218") == [
        ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "de56787789328792174218")
    ]
    text = "MT103 draft\n:57A:HSBCHKHHHKH\n:59:/DE56787789328792174218\nBRIGHTWATER TEXTILES LTD"
    assert found(text) == [
        ("SWIFT_CODE", "HSBCHKHHHKH"),
        ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "DE56787789328792174218"),
    ]


def test_a_bic_right_after_an_iban_on_its_line_is_found() -> None:
    assert ("SWIFT_CODE", "DABADKKK") in found("Supplier changed bank: DE56787789328792174218 / DABADKKK. Update it.")


@pytest.mark.parametrize(
    "text",
    [
        "Promo code SPRING25: 20% off all orders, expires 12/31.",
        "Template for suppliers: IBAN DEkk bbbb cccc, BIC: XXXXDEXXXXX.",
        "Guest 1: Robert Kim, U.S. passport 612840417, exp 08/2030.",
        "My passport expires 06/2031; my husband's expires 02/26 and he must renew.",
    ],
)
def test_promo_codes_templates_and_passport_expiries_are_not_payment_data(text: str) -> None:
    kinds = {kind for kind, _ in found(text)}
    assert not kinds & {"SWIFT_CODE", "CREDIT_DEBIT_CARD_EXPIRY"}


def test_a_kubernetes_annotation_key_is_not_a_url() -> None:
    text = 'ingress:\n  annotations:\n    nginx.ingress.kubernetes.io/whitelist-source-range: "10.0.0.0/24"\n'
    assert found(text) == [("IP_ADDRESS", "10.0.0.0")]
    assert found("docs at kubernetes.io/docs/concepts: read them") == [("URL", "kubernetes.io/docs/concepts")]


def test_a_csv_row_keeps_its_ssn_after_a_comma_and_a_quoted_cell_keeps_its_commas() -> None:
    assert found("emp_id,last,ssn,account\nE1043,Whitfield,412-34-5678,4417200391\n") == [
        ("US_SOCIAL_SECURITY_NUMBER", "412-34-5678"),
        ("US_BANK_ACCOUNT_NUMBER", "4417200391"),
    ]
    assert found('patient_name,nhs_number,last_visit\n"Lee, Hannah",003 390 7579,2024-11-03\n') == [
        ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "003 390 7579")
    ]


def test_an_ssn_written_with_dots_is_found_beside_its_name() -> None:
    assert found("my ssn is 412.34.5678 thanks") == [("US_SOCIAL_SECURITY_NUMBER", "412.34.5678")]
    assert found("version 412.34.5678 released") == []


def test_a_secret_key_named_by_its_parameter_or_after_its_access_key_in_backticks_is_found() -> None:
    text = "--parameter-overrides SourceSecretKey=C1G0fTE6DFB5gcdnSfm3mZ9ct1qQvoCRPzLdNO/5 Schedule=daily"
    assert found(text) == [("AWS_SECRET_KEY", "C1G0fTE6DFB5gcdnSfm3mZ9ct1qQvoCRPzLdNO/5")]
    text = "rotate these: `AKIAA6V73TLGMWTQG6HO` / `5vWHIEGPfUwXBQcWzR8VNyr5dFByOexHd4oHn+v5`"
    assert found(text) == [
        ("AWS_ACCESS_KEY", "AKIAA6V73TLGMWTQG6HO"),
        ("AWS_SECRET_KEY", "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"),
    ]


def test_a_micr_line_as_ocr_reads_its_symbols_gives_both_numbers() -> None:
    assert found("Mobile deposit: MICR read as T055203409T 9146051996O 2290") == [
        ("US_BANK_ROUTING_NUMBER", "055203409"),
        ("US_BANK_ACCOUNT_NUMBER", "9146051996"),
    ]
    assert found("OCR: |: 055203409 |: 85428153501 || 0587") == [
        ("US_BANK_ROUTING_NUMBER", "055203409"),
        ("US_BANK_ACCOUNT_NUMBER", "85428153501"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "DATABASE_URL=postgres://orders_app:xT9#qLm2$vR7@prod-db.internal:5432/orders",
        "git remote set-url origin https://deploy-bot:Gl-D3ploy!x@gitlab.acme.io/platform/infra.git",
    ],
)
def test_a_connection_strings_password_is_found_and_its_host_is_no_email_address(text: str) -> None:
    kinds = [kind for kind, _ in found(text)]
    assert "PASSWORD" in kinds and "EMAIL" not in kinds


def test_a_database_or_bucket_address_is_no_web_address() -> None:
    assert [kind for kind, _ in found("aws s3 sync dist/ s3://acme-web-prod --delete")] == []
    assert found("see https://status.acme.io/incidents/42") == [("URL", "https://status.acme.io/incidents/42")]


@pytest.mark.parametrize(
    "text",
    [
        "smtp:\n  host: smtp.office365.com\n  port: 587",
        "image:\n  repository: ghcr.io/acme/billing\n  tag: v3",
    ],
)
def test_a_servers_name_or_an_images_repository_in_a_config_is_no_web_address(text: str) -> None:
    assert found(text) == []


def test_a_tables_column_of_campaign_codes_holds_no_bics() -> None:
    text = "donor_id,campaign,amount\n10442,WINTER24,25.00\n10444,SPRING25,15.00\n"
    assert [kind for kind, _ in found(text)] == []


def test_an_itin_in_an_ssn_column_is_found() -> None:
    text = "unit\ttenant\tssn\n3C\tDarnell Price\t412-34-5678\n3D\tLuis Ortega\t930784131\n"
    assert found(text) == [
        ("US_SOCIAL_SECURITY_NUMBER", "412-34-5678"),
        ("US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "930784131"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Affected account: AWS 123456789012, role arn:aws:iam::123456789012:role/backup-ops",
        "Token tok_1PxR8dLkd8a2Qz stored; card ending 4417.",
        "ansible_become_pass: !vault |\n  $ANSIBLE_VAULT;1.1;AES256",
        "[23:01] ゆい: パスワードは教えられないよ〜 DMで聞いてね",
        "Rx label: NDC 0093-7424-56, qty 30. Rx# 0455-2291-334.",
        "Batch 2024-AB-118, exp. 03/2026. Store below 25°C.",
    ],
)
def test_cloud_accounts_object_ids_vault_tags_and_drug_codes_are_not_pii(text: str) -> None:
    assert found(text) == []


def test_lines_of_prose_with_as_many_commas_are_no_table() -> None:
    text = "Hi Anna, the supplier changed banks.\nPlease use BIC DEUTDEFF, the IBAN follows."
    assert ("SWIFT_CODE", "DEUTDEFF") in found(text)

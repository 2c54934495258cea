"""PII in machines' formats and in any language, and what belongs to nobody: a card named by its
expiry whatever its issuer, its code a few words on; published test values in a text about tests
(in any language), not elsewhere; times, hex strings and failed routing numbers that are no
accounts; aligned tables' headers; bank numbers in X12, BAI2, MT940 and EDIFACT; passports in
airline records; secrets on a config's next line, in curl and in OpenWrt; bare host names only in
sentences. New sentences, none copied from an evaluation set."""

from __future__ import annotations

import pytest

from tests.support.pii import found

MAESTRO = "5731 5260 1815 9086"  # Luhn-valid, a Maestro range no issuer list holds alone
CARD, EXPIRY, CVV = "CREDIT_DEBIT_CARD_NUMBER", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_CVV"
ROUTING, ACCOUNT = "US_BANK_ROUTING_NUMBER", "US_BANK_ACCOUNT_NUMBER"


def test_a_card_with_its_expiry_a_few_words_on_is_a_card_whatever_its_prefix_and_language() -> None:
    assert found(f"Malipo kwa {MAESTRO}, inaisha 09/28, nambari ya usalama 417.") == [
        (CARD, MAESTRO),
        (EXPIRY, "09/28"),
        (CVV, "417"),
    ]


def test_the_same_digits_without_an_expiry_or_a_card_word_are_not_a_card() -> None:
    assert found(f"Tracking {MAESTRO} arrived at the depot.") == []


def test_a_mir_card_is_a_card() -> None:
    assert (CARD, "2201 3016 6131 8605") in found("Карта 2201 3016 6131 8605")


def test_a_three_digit_number_several_words_after_an_expiry_is_no_code() -> None:
    assert (CVV, "412") not in found(f"Card {MAESTRO} expiring 05/27 was declined at gate number 412 today.")


@pytest.mark.parametrize(
    "text",
    [
        "## テスト用カード\n- 成功: 4242 4242 4242 4242（有効期限は未来の日付、例: 12/34、CVC: 123）",
        "Beispiel aus der AWS-Dokumentation:\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "Valeurs fictives pour la démo : IBAN GB82 WEST 1234 5698 7654 32",
        "Il numero 078-05-1120 era stampato sulla tessera di esempio nei portafogli.",
    ],
)
def test_published_test_values_in_a_text_about_tests_are_nobodys(text: str) -> None:
    assert found(text) == []


def test_a_published_test_card_on_a_payment_form_is_still_found() -> None:
    assert found("Please charge 4242 4242 4242 4242 for the deposit.") == [(CARD, "4242 4242 4242 4242")]


def test_example_dot_com_is_no_word_about_tests() -> None:
    assert (CARD, "4111-1111-1111-1111") in found("Contact jo@example.com, card 4111-1111-1111-1111.")


def test_times_and_a_macs_hex_in_an_accounting_log_are_no_account() -> None:
    log = (
        'Fri Mar 14 09:02:11 2025\n\tAcct-Status-Type = Start\n\tCalling-Station-Id = "68-77-95-C3-E8-53"\n'
        '\tEvent-Timestamp = "Mar 14 2025 09:02:11 UTC"'
    )
    assert [kind for kind, _ in found(log)] == ["MAC_ADDRESS"]


def test_a_routing_number_that_fails_its_check_is_no_account() -> None:
    assert found("계좌 등록 실패: 라우팅 번호 234071028 는 체크섬이 맞지 않습니다.") == []


def test_an_ids_letters_before_00_do_not_make_a_phone() -> None:
    assert ("PHONE", "0042 7911523306") not in found("Sample RS-0042 7911523306 logged.")


def test_a_sentence_after_the_password_word_is_no_password_but_a_password_before_a_full_stop_is() -> None:
    assert found("パスワードは年度末（3月31日）に変更し、このメモも更新すること。") == []
    assert found("パスワード：Sakura2024。") == [("PASSWORD", "Sakura2024")]


def test_a_passport_named_with_a_zero_width_non_joiner_is_found() -> None:
    assert found("ಪಾಸ್\u200cಪೋರ್ಟ್ ಸಂಖ್ಯೆ: 561038447") == [("US_PASSPORT_NUMBER", "561038447")]


def test_a_swift_code_named_in_urdu_is_found() -> None:
    assert found("سوئفٹ کوڈ: HABBPKKA") == [("SWIFT_CODE", "HABBPKKA")]


def test_a_number_under_its_header_in_an_aligned_table_is_found() -> None:
    table = (
        "> cohort[1:2, ]\n  study_id nhs_number  ni_number  fev1\n1  SX-0001 6245957117 AB123456C  71.2\n"
        "2  SX-0002         NA         NA  80.0"
    )
    assert ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "6245957117") in found(table)


def test_a_pipe_tables_column_is_read_by_its_pipes_when_a_name_holds_a_comma() -> None:
    table = "# | Name          | Passport\n1 | DOE, Jane     | 561038447\n2 | ROE, Richard  | 483920175"
    assert found(table) == [("US_PASSPORT_NUMBER", "561038447"), ("US_PASSPORT_NUMBER", "483920175")]


def test_a_secret_key_on_the_line_after_an_access_key_is_found() -> None:
    config = "backup:\n  keyid: AKIAQ3EGRTW2MNPD7XKA\n  key: 9mZr4Tq8Lw2Yx6Vb1Nc3Pd5Fh7Jk0Gs2Ua4Eo6Wi"
    assert found(config) == [
        ("AWS_ACCESS_KEY", "AKIAQ3EGRTW2MNPD7XKA"),
        ("AWS_SECRET_KEY", "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"),
    ]


def test_the_password_of_curls_user_option_is_found() -> None:
    assert ("PASSWORD", "Hive!9mothS") in found("curl -s -u 'ops@apiary.test:Hive!9mothS' https://api.apiary.test")


def test_uci_wifi_keys_are_passwords() -> None:
    assert found("config wifi-iface\n\toption encryption 'psk2'\n\toption key 'Lane7!Strike'") == [
        ("PASSWORD", "Lane7!Strike")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ST*820*0001~\nBPR*C*512.00*C*ACH*CCD*01*021000021*DA*33810277*1462213590**01*011000015*SG*7730019*20250317~",
            [(ROUTING, "021000021"), (ACCOUNT, "33810277"), (ROUTING, "011000015"), (ACCOUNT, "7730019")],
        ),
        (
            "01,BANK,ACME,250611,0600,1,80,,2/\n02,ACME,026009593,1,250610,2400,USD,2/\n03,5521078830,USD,010,1/",
            [(ROUTING, "026009593"), (ACCOUNT, "5521078830")],
        ),
    ],
)
def test_bank_numbers_in_x12_and_bai2_records_are_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_an_mt940_counterpartys_bic_and_iban_are_found() -> None:
    line = ":86:166?00SEPA-UEBERWEISUNG?20Rechnung 12?30GENODEF1S04?31DE02120300000000202051?32Muster GmbH"
    assert found(line) == [
        ("SWIFT_CODE", "GENODEF1S04"),
        ("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "DE02120300000000202051"),
    ]


def test_us_passports_in_airline_passenger_records_are_found() -> None:
    assert found("4 SSR DOCS UA HK1 P/USA/561038447/USA/02MAR88/M/10JUN31/ROE/RICHARD") == [
        ("US_PASSPORT_NUMBER", "561038447")
    ]
    assert found("NAD+FL+++ROE:RICHARD'\nDOC+P:110:111+483920175'\nDTM+36:310610'\nLOC+91+USA'") == [
        ("US_PASSPORT_NUMBER", "483920175")
    ]


def test_a_bare_host_name_is_a_web_address_in_a_sentence_only() -> None:
    assert found("Renew your permit online at permits.riverdale.gov today.") == [("URL", "permits.riverdale.gov")]
    assert found("@   IN NS    ns1.hostco.net.\nmachine ftp.hostco.net\n  login upload") == []
    assert found("postfix/smtpd[2281]: connect from mail-out.hostco.net[10.1.2.3]")[:1] != [
        ("URL", "mail-out.hostco.net")
    ]


def test_nacha_entry_details_give_routing_and_account() -> None:
    batch = "NACHA preview (PPD)\n6 22 091000019 55012893417      0000002500 DONOR-0041  ROE RICHARD"
    assert found(batch) == [(ROUTING, "091000019"), (ACCOUNT, "55012893417")]


def test_an_hl7_field_naming_its_nhs_number_is_found() -> None:
    assert found("PID|1||6661934514^^^NHS^NH||ROE^RICHARD||19700101|M") == [
        ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "6661934514")
    ]


def test_documentation_addresses_in_a_text_about_documentation_are_nobodys() -> None:
    rules = "Firewall examples (RFC 5737 documentation ranges):\nallow tcp from 192.0.2.0/24 to 2001:db8::10"
    assert found(rules) == []
    assert found("Blocked login from 203.0.113.50 at 02:14") == [("IP_ADDRESS", "203.0.113.50")]


def test_masks_broadcasts_logins_and_path_words_are_no_pii() -> None:
    assert found("Subnet Mask . . . . : 255.255.240.0") == []
    assert found("inet 10.4.7.62/24 brd 10.4.7.255 scope global") == [("IP_ADDRESS", "10.4.7.62")]
    assert found("$ ssh pi@raspberrypi.local") == []
    assert found('GET /..%2f..%2fetc/passwd HTTP/1.1" 400') == []


def test_a_cvv_column_reads_by_its_header_and_a_cheque_number_is_no_account() -> None:
    table = "order | card                | exp   | CVV\n1187  | 4654 8505 0900 2407 | 03/27 | 208"
    assert (CVV, "1187") not in found(table)
    assert (CVV, "208") in found(table)
    assert (ACCOUNT, "001047") not in found("MICR: ⑈001047⑈ ⑆071000013⑆ 8237755129⑈")


def test_a_passport_in_an_apis_record_and_a_catalan_phone_are_found() -> None:
    assert ("US_PASSPORT_NUMBER", "561038447") in found("Document: P   Issuing country: USA   Number: 561038447")
    assert found("Telèfon: 938 72 14 06") == [("PHONE", "938 72 14 06")]


def test_a_url_in_a_csv_row_ends_at_its_cell_and_the_next_cell_is_read() -> None:
    export = "name,url,username,password,note\nshop,https://shop.test/login,jo.roe@mailbox.org,Kettle!99,\n"
    assert found(export) == [
        ("URL", "https://shop.test/login"),
        ("EMAIL", "jo.roe@mailbox.org"),
        ("PASSWORD", "Kettle!99"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Office: 16.0.17726.20160   Chrome: 126.0.6478.127   Ledger 15.2.0.34",
        "Minimum client: 2.9.11.4. Firmware bundle 1.0.0.245 ships next week.",
        "device 00:00:5e:00:53:01 (RFC 7042 documentation MAC)",
        "Lieferschein 0048 1120 3391, Kundennr. 70 44 218",
        "Your electricity account (not a bank account) 4410 2283 19 is set to e-billing.",
        "Astuce : le numéro 046 454 286 figure dans les exemples de l'ARC.",
    ],
)
def test_versions_documentation_macs_and_other_documents_numbers_are_no_pii(text: str) -> None:
    assert found(text) == []


def test_more_forms_of_card_expiries_ninos_and_wifi_keys_are_found() -> None:
    assert (EXPIRY, "0526") in found("Jeg har prøvet kortet 4827145527869040 med udløb 0526 og kontrolcifre 738.")
    assert found("NI: ba685055b") == [("UK_NATIONAL_INSURANCE_NUMBER", "ba685055b")]
    assert found("/interface wireless security-profiles set wpa2-pre-shared-key=Barn-Owl-2024") == [
        ("PASSWORD", "Barn-Owl-2024")
    ]


def test_round_four_forms_are_found() -> None:
    assert ("IP_ADDRESS", "10.1.0.23") in found(
        "14:02:11.338201 IP 10.1.0.23.51522 > 151.101.65.69.443: Flags [S], seq 28477"
    )
    assert ("PASSWORD", "xR7#b2Lq9!mW") in found('requests.get(url, auth=("reporting", "xR7#b2Lq9!mW"))')
    assert ("MAC_ADDRESS", "90-D3-71-2C-80-56") in found("MAC 地址：90-D3-71-2C-80-56")
    assert ("PASSWORD", "SG.x9Kq2mVn4RtLp8wZ.hY3cB6dF1gJ7kN0sQ5uW2eA9rT4") in found(
        "RELAY_PASSWORD: SG.x9Kq2mVn4RtLp8wZ.hY3cB6dF1gJ7kN0sQ5uW2eA9rT4"
    )
    assert ("US_PASSPORT_NUMBER", "A51532696") in found(
        "last_name,first_name,dob,passport_no\nLindgren,Ella,2007-11-03,A51532696"
    )


@pytest.mark.parametrize(
    "text",
    [
        '"Mozilla/5.0 (Windows NT 10.0) Chrome/122.0.0.0 Safari/537.36"',
        "- Scanner driver 3.4.12.0 -> 3.4.14.2\n- BIOS 1.27.0.1 (Latitude 7230)",
        "In test mode, use any future expiry date (for example 12/34) and any CVC.",
        "It looks something like this: QQ 12 34 56 C.",
        "ADMIN_PASSWORD=changeme  # the app refuses to start with this default",
        "For local testing, use user@example.com as the contact address.",
        "DHCPv6 Client DUID. . . : 00-01-00-01-2C-8F-41-AA-00-15-5D-01-22-0B",
    ],
)
def test_round_four_look_alikes_are_no_pii(text: str) -> None:
    assert found(text) == []

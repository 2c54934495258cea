"""PII in what admins paste from Windows, PowerShell, notebooks, PostgreSQL and SFTP clients, in
Korean, Vietnamese, Indonesian and Danish card and password talk; and what only looks like PII
there (a package's reversed domain, a JSON key, a Kafka topic, a POS terminal's id, a masked
prompt, a quote's "valid until")."""

from __future__ import annotations

import pytest

from tests.support.pii import found
from tests.support.pii import found_of as of


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Process Command Line: net user backup_svc Vault#2031!x /add /domain", "Vault#2031!x"),
        ("$secure = ConvertTo-SecureString 'Orca!Deploy-77' -AsPlainText -Force", "Orca!Deploy-77"),
        ("cat ~/.pgpass\ndb.internal:5432:billing:report:T9#mQ2!zLp", "T9#mQ2!zLp"),
        ("$ lftp -u uploader,Crate-Lamp-2031 sftp://files.example.org", "Crate-Lamp-2031"),
        ("the streaming login is mum.family@example.net / Dumpling2020!", "Dumpling2020!"),
        ("Shared album link (password Birch&Heron!) expires Friday", "Birch&Heron!"),
        ("예전 비밀번호는 haneul0921!! 였는데 로그인이 안 돼요", "haneul0921!!"),
        ("mật khẩu cũ hình như là Minhchau@2001 ạ", "Minhchau@2001"),
        ("WiFi tamu: SSID Kopi-5G, kata sandi: teh-manis-2031!", "teh-manis-2031!"),
        ("guys wifi kantor ganti password jadi Ceria#2031 ya", "Ceria#2031"),
    ],
)
def test_a_password_in_an_admins_paste_or_another_language_is_found(text: str, secret: str) -> None:
    assert secret in of("PASSWORD", text)


def test_a_powershell_command_and_a_masked_prompt_are_not_passwords() -> None:
    assert "ConvertTo-SecureString" not in of("PASSWORD", "$pw = ConvertTo-SecureString 'Orca!Deploy-77' -AsPlainText")
    assert of("PASSWORD", "In [2]: pw = getpass.getpass('Vault password: ')\nVault password: ········") == []


def test_an_aws_secret_passed_as_a_parameter_or_printed_by_a_notebook_is_found() -> None:
    secret = "Qw3rTy8uIoP1aSdF2gHjK4lZxC5vBnM6/+qWeRt7"
    assert of("AWS_SECRET_KEY", f"Set-AWSCredential -AccessKey AKIAZ7Q4MPL2WXR9TK3E -SecretKey {secret}") == [secret]
    assert of("AWS_SECRET_KEY", f"In [4]: os.environ['AWS_SECRET_ACCESS_KEY']\nOut[4]: '{secret}'") == [secret]


@pytest.mark.parametrize(
    ("text", "expiry", "cvv"),
    [
        ("Depositum: kort 4571 7533 7283 0559, udløb 11/28, kontrolcifre 318", "11/28", "318"),
        ("bayar pakai kartu 5264-2520-7876-3890 berlaku s.d. 07/29, kode CVV: 904", "07/29", "904"),
        ("카드로 결제했어요 5327 2872 9443 6678 유효기간 04/28 보안코드 271", "04/28", "271"),
    ],
)
def test_a_cards_expiry_and_code_are_found_in_danish_indonesian_and_korean(text: str, expiry: str, cvv: str) -> None:
    assert of("CREDIT_DEBIT_CARD_EXPIRY", text) == [expiry]
    assert of("CREDIT_DEBIT_CARD_CVV", text) == [cvv]


def test_a_quotes_valid_until_date_is_no_cards_expiry() -> None:
    assert (
        of("CREDIT_DEBIT_CARD_EXPIRY", "Storage quote Q-1187: haul-out 6/11, total $3,912.50, valid until 12/31.") == []
    )


def test_an_iban_whose_digits_happen_to_pass_luhn_stays_an_iban() -> None:
    text = "Fizetés átutalással: HU98 5249 9046 4934 0117 3208 3201 (OTP)"
    assert found(text) == [("INTERNATIONAL_BANK_ACCOUNT_NUMBER", "HU98 5249 9046 4934 0117 3208 3201")]


def test_an_address_in_a_firewall_rule_or_a_tag_is_found() -> None:
    assert of("IP_ADDRESS", "Vendor needs a firewall rule: allow 52.14.203.88 to 10.120.2.40 on 8443.") == [
        "52.14.203.88",
        "10.120.2.40",
    ]
    assert of("IP_ADDRESS", '"tags":["env:prod","client_ip:86.149.23.201"]') == ["86.149.23.201"]
    assert of("IP_ADDRESS", "see rule 10.2.1.4 of the handbook") == []


@pytest.mark.parametrize(
    "text",
    [
        '{"aws.access.key.id":"AKIAZ7Q4MPL2WXR9TK3E","flush.size":"1000"}',
        "FATAL EXCEPTION: main\nProcess: com.shopnow.app, PID: 4471",
        "WARN Unmasked PII in topic kyc.uk (offset 1193)",
    ],
)
def test_a_json_key_a_package_or_a_topic_is_no_web_address(text: str) -> None:
    assert of("URL", text) == []


def test_a_terminal_or_a_prescriptions_id_is_no_phone_number() -> None:
    assert of("PHONE", "Fuel dock receipt: 184.6 L diesel, pump 3, terminal 0020 9703 6878") == []
    assert of("PHONE", "Betaloc ZOK 50 mg; recept azonosító 0048 2503 2810 26") == []


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('echo "Dock-Lantern_4471" | docker login ghcr.io -u ci --password-stdin', "Dock-Lantern_4471"),
        ("Login do portalu: jan.nowak, hasło tymczasowe: Qw7!pLm2zX — proszę zmienić", "Qw7!pLm2zX"),
    ],
)
def test_a_password_piped_to_a_login_or_after_a_qualified_word_is_found(text: str, secret: str) -> None:
    assert of("PASSWORD", text) == [secret]


def test_the_next_flag_of_a_command_line_is_no_password() -> None:
    assert of("PASSWORD", "docker run -e DB_PASSWORD_FILE=/run/secrets/db_password --name web nginx") == []


@pytest.mark.parametrize(
    "text",
    [
        'EMAIL_HOST = "mail.keystone-realty.com"',
        'ALLOWED_HOSTS = ["portal.keystone-realty.com"]',
        "MAIL_HOST=smtp.correo-nube.es",
        "echo $TOKEN | docker login registry.harborline.dev -u deploy --password-stdin",
    ],
)
def test_a_servers_name_in_settings_or_a_registry_login_is_no_web_address(text: str) -> None:
    assert of("URL", text) == []


def test_documentation_placeholders_in_a_template_to_fill_in_are_not_pii() -> None:
    text = (
        "# Copy to .env and fill in real values.\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nADMIN_EMAIL=admin@example.com\n"
    )
    assert found(text) == []


def test_a_documented_test_card_is_a_placeholder() -> None:
    assert of("CREDIT_DEBIT_CARD_NUMBER", 'assert luhn_ok("4111 1111 1111 1111")  # documented test card') == []
    assert of("CREDIT_DEBIT_CARD_NUMBER", "my card is 4111 1111 1111 1111") == ["4111 1111 1111 1111"]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Client : 4974 0139 7925 9865, et le code au dos c'est 271", "CREDIT_DEBIT_CARD_CVV", "271"),
        ("收款账号：233214007285", "US_BANK_ACCOUNT_NUMBER", "233214007285"),
        ("아니면 010-7264-1938로 문자해", "PHONE", "010-7264-1938"),
        ("report = validate_nhs(df)\nrow 15: 404 142 2280 -> OK", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "404 142 2280"),
    ],
)
def test_values_in_french_chinese_korean_and_a_notebooks_nhs_report_are_found(text: str, kind: str, value: str) -> None:
    assert of(kind, text) == [value]


def test_a_line_number_after_a_check_digits_word_is_no_cvv() -> None:
    assert of("CREDIT_DEBIT_CARD_CVV", "ValueError: Ungültige Prüfziffer in Zeile 417: DE55529585431226225918") == []


def test_a_sites_language_subdomain_is_still_a_web_address_and_a_real_cards_format_still_a_card() -> None:
    assert of("URL", "read it on de.wikipedia.org before the call") == ["de.wikipedia.org"]
    card = "I typed my card 4539 1488 0343 6467 in the wrong format"
    assert of("CREDIT_DEBIT_CARD_NUMBER", card) == ["4539 1488 0343 6467"]

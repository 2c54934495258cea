"""PII in yet more languages and formats: a card's expiry a few words after its number whatever
the language calls it; four-part version numbers after the word for "version" (not addresses);
passwords a few words after their word, and under a key that ends in one (LDIF, properties);
passports named in more languages; e-mail under a vCard's typed label; and what is not anyone's
data: a mail header's Message-ID, three groups inside a longer microchip number."""

from __future__ import annotations

import pytest

from tests.support.pii import found

CARD = "4666 1760 3137 2159"


@pytest.mark.parametrize(
    "label",
    ["gildir til", "kehtiv kuni", "vrijedi do", "caducidade", "வாலிடிட்டி", "วันหมดอายุ", "תוקף", "platnost do"],
)
def test_an_expiry_a_few_words_after_the_card_number_is_found_in_any_language(label: str) -> None:
    assert found(f"Kort: {CARD}, {label} 07/28, CVC 318")[:2] == [
        ("CREDIT_DEBIT_CARD_NUMBER", CARD),
        ("CREDIT_DEBIT_CARD_EXPIRY", "07/28"),
    ]


def test_a_date_on_the_next_line_after_a_card_is_not_its_expiry() -> None:
    assert ("CREDIT_DEBIT_CARD_EXPIRY", "07/28") not in found(f"Card {CARD}\nDelivered on 07/28")


@pytest.mark.parametrize(
    "text",
    [
        "Pedido 2024-06-0441; peso 2,5 kg; versión 6.0.1.14; entrega el martes.",
        "Narudžba 3381, verzija softvera 3.0.12.1, rok plaćanja 15 dana.",
        "הזמנה 7741; גרסה 5.12.0.3; מידות 120/80",
        "Órdenes 1200 kg, sürüm 2.3.4.1 yüklendi.",
        "订单 4471，版本 4.2.0.7，重量 1.5 公斤",
        "Hugbúnaðarútgáfa 2.14.0.9, pöntun 2024-0611",
    ],
)
def test_a_version_number_after_the_word_for_version_is_not_an_ip_address(text: str) -> None:
    assert [kind for kind, _ in found(text) if kind == "IP_ADDRESS"] == []


def test_an_address_after_the_word_for_version_and_a_network_word_is_still_one() -> None:
    assert ("IP_ADDRESS", "52.14.201.96") in found("Versión 2 del servidor: IP 52.14.201.96")


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("Kata laluan portal tempahan: Langkawi!Kayak9", "Langkawi!Kayak9"),
        ("Kata sandi admin router kantor: Grooming#Jkt21", "Grooming#Jkt21"),
        ("Cyfrinair y porth: Eryri#Telyn58", "Eryri#Telyn58"),
        ("Le mot de passe du portail, c'est Tremblant!Neige24 — je le change demain.", "Tremblant!Neige24"),
        ("dn: cn=svc-vpn,dc=example,dc=org\nuserPassword: Vpn$ervice-PVCU-88\n", "Vpn$ervice-PVCU-88"),
        ("spring.datasource.adminPassword=Qx7!lumen-42\n", "Qx7!lumen-42"),
    ],
)
def test_a_password_a_few_words_after_its_word_or_under_a_password_key_is_found(text: str, password: str) -> None:
    assert ("PASSWORD", password) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Bandarískt vegabréf nr. F27016674, brottför kl. 16:40",
        "Gost: John Miller, putovnica Z05387687",
        "ผู้โดยสาร: หนังสือเดินทางสหรัฐฯ เลขที่ 892201358",
    ],
)
def test_a_passport_named_in_more_languages_is_found(text: str) -> None:
    assert [kind for kind, _ in found(text)] == ["US_PASSPORT_NUMBER"]


def test_an_email_under_a_vcards_typed_label_is_found() -> None:
    vcard = "BEGIN:VCARD\nFN:Keisha Brown\nEMAIL;TYPE=INTERNET:keisha@fridge-coop.org\nEND:VCARD"
    assert ("EMAIL", "keisha@fridge-coop.org") in found(vcard)


def test_a_mail_headers_message_id_is_not_an_email_but_its_sender_is() -> None:
    headers = 'Message-ID: <CAF7x2+Q9kR.4471@mail.pike.com>\nFrom: "R. Pike" <rpike@pike.com>'
    assert [value for kind, value in found(headers) if kind == "EMAIL"] == ["rpike@pike.com"]


def test_three_groups_inside_a_longer_microchip_number_are_not_a_sin() -> None:
    assert found("rabies tag 2024-118823; microchip 985 141 002 337 261; weight 17 kg") == []


@pytest.mark.parametrize(
    "text",
    [
        "হিসাব নম্বর 62451337385, রাউটিং নম্বর 021000021",  # Bengali
        "Zelle / ACH — கணக்கு எண் 62451337385, ரூட்டிங் எண் 021000021",  # Tamil
    ],
)
def test_a_us_account_and_routing_number_named_in_bengali_or_tamil_are_found(text: str) -> None:
    assert sorted(kind for kind, _ in found(text)) == ["US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER"]


@pytest.mark.parametrize(
    "text",
    [
        "zone: z_pacs_esx01\n  21:00:00:24:ff:4c:8a:10; 50:06:01:60:3b:a0:12:34",  # Fibre Channel WWNs
        "[call 2024-05-14 16:02, queue: card-disputes]",  # a time stamp after "call"
        "mqtt.broker = iot.lift-maint.cn:8883",  # a server and its port
        "ACCT NOTES — file ref 7730-22918-C — orig. creditor: Midwest Oil",
        "Your electricity bill — account 385 228 719",
        "Ҳарорат набояд аз 25 °C зиёд бошад (банди 3.2.7.1).",  # a clause number, in Tajik
    ],
)
def test_identifiers_that_are_not_personal_are_not_found(text: str) -> None:
    assert found(text) == []


def test_an_nhs_number_named_in_bengali_and_a_cvv_in_esperanto_are_found() -> None:
    assert found("এনএইচএস নম্বর: 601 154 8083") == [("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "601 154 8083")]
    assert ("CREDIT_DEBIT_CARD_CVV", "517") in found(f"Pago per karto: {CARD}, valida ĝis 02/28, sekureca kodo 517")


def test_a_passport_named_in_maltese_is_found() -> None:
    assert found("Passaport Amerikan nru: 490762260") == [("US_PASSPORT_NUMBER", "490762260")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "<pay:RoutingNumber>021000021</pay:RoutingNumber>\n<pay:AccountNumber>86303559590</pay:AccountNumber>",
            [("US_BANK_ROUTING_NUMBER", "021000021"), ("US_BANK_ACCOUNT_NUMBER", "86303559590")],
        ),
        (
            "<BANKACCTFROM><BANKID>021000021<ACCTID>53697459119<ACCTTYPE>CHECKING</BANKACCTFROM>",
            [("US_BANK_ROUTING_NUMBER", "021000021"), ("US_BANK_ACCOUNT_NUMBER", "53697459119")],
        ),
        ('{"routing_number": "021000021", "account_type": "checking"}', [("US_BANK_ROUTING_NUMBER", "021000021")]),
    ],
)
def test_bank_numbers_in_elements_and_keys_that_name_them_are_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("define( 'DB_PASSWORD', 'Ww7!Strick-Nadel' );", "Ww7!Strick-Nadel"),
        ('<add key="ClearTextPassword" value="Semmel+Kipferl42" />', "Semmel+Kipferl42"),
    ],
)
def test_a_password_defined_in_php_or_a_dotnet_config_is_found(text: str, password: str) -> None:
    assert found(text) == [("PASSWORD", password)]


def test_a_password_read_from_the_environment_is_not_a_password() -> None:
    assert found("define('DB_PASSWORD', getenv('DB_PASSWORD'));") == []

"""PII written in other languages and in the forms tools print: a card's expiry and CVV labelled in
French, Spanish, Portuguese, German, Italian, Polish or Chinese; passwords after their word in a
dozen languages (Japanese without spaces); phone numbers after a call-me verb; passports and
accounts named in the caller's language; spoken e-mail addresses; and documentation placeholders,
which are not anyone's data."""

from __future__ import annotations

import pytest

from tests.support.pii import found


@pytest.mark.parametrize(
    ("text", "expiry", "cvv"),
    [
        ("Ma carte 4666 1760 3137 2159, date d'expiration 04/29, cryptogramme 318.", "04/29", "318"),
        ("Pago con la tarjeta 4666 1760 3137 2159 que caduca el 04/29; código de seguridad 318", "04/29", "318"),
        ("Cartão 4666 1760 3137 2159, validade 04/29, código de segurança 318", "04/29", "318"),
        ("Die Karte 4666 1760 3137 2159 (gültig bis 04/29, Prüfnummer 318) wird abgelehnt", "04/29", "318"),
        ("Carta 4666 1760 3137 2159, scadenza 04/29, codice di sicurezza 318", "04/29", "318"),
        ("Płacę kartą 4666 1760 3137 2159, ważna do 04/29, kod CVC 318", "04/29", "318"),
        ("卡号 4666 1760 3137 2159，有效期 04/29，CVN2：318", "04/29", "318"),
    ],
)
def test_a_cards_expiry_and_cvv_are_found_under_their_labels_in_other_languages(
    text: str, expiry: str, cvv: str
) -> None:
    assert found(text) == [
        ("CREDIT_DEBIT_CARD_NUMBER", "4666 1760 3137 2159"),
        ("CREDIT_DEBIT_CARD_EXPIRY", expiry),
        ("CREDIT_DEBIT_CARD_CVV", cvv),
    ]


@pytest.mark.parametrize(
    ("text", "password"),
    [
        ("le mot de passe du wifi est Lavande!88, bonne soirée", "Lavande!88"),
        ("La contraseña del router nuevo es Girasol_91 y la red se llama CASA", "Girasol_91"),
        ("Ihr Initialpasswort für das Portal lautet Eiche#Moos42 und muss geändert werden", "Eiche#Moos42"),
        ("Zugang zum Router: Benutzer admin, Kennwort Tanne4711Box!.", "Tanne4711Box!"),
        ("初期パスワード Kaede#3141maru を使用してください", "Kaede#3141maru"),
        ("пароль: Berezka77!", "Berezka77!"),
        ("the password for this wifi is Otter42go", "Otter42go"),
    ],
)
def test_a_password_after_its_word_in_many_languages_is_found(text: str, password: str) -> None:
    assert found(text) == [("PASSWORD", password)]


def test_a_verb_inside_a_longer_word_does_not_end_the_password_phrase() -> None:
    """ "router" holds "er", Norwegian's "is"; the verb must be a word of its own."""
    assert found("La contraseña del router es Palmera_64 y") == [("PASSWORD", "Palmera_64")]


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("Para la visita, márqueme al 55-4132-9907 por favor", "55-4132-9907"),
        ("Proszę oddzwonić: 22 614 39 07 (biuro)", "22 614 39 07"),
        ("txt me at (503)8812047 whenever", "(503)8812047"),
        ("Kontakt: hallo@studio-weiss.de · 0176 2291 4408", "0176 2291 4408"),
    ],
)
def test_a_national_number_after_a_call_me_word_is_a_phone_number(text: str, phone: str) -> None:
    assert ("PHONE", phone) in found(text)


def test_a_speaker_label_in_a_transcript_is_not_a_phone_word() -> None:
    text = "AGENT: can I get the routing number CALLER: 055 203 409 AGENT: and the account CALLER: 0058 442 403"
    assert found(text) == [("US_BANK_ROUTING_NUMBER", "055 203 409"), ("US_BANK_ACCOUNT_NUMBER", "0058 442 403")]


def test_an_account_number_called_so_is_not_a_phone_number_of_another_sentence() -> None:
    text = "Thanks for calling Bridgewater Energy. Your account number is 462 828 7437; keep it handy."
    assert ("PHONE", "462 828 7437") not in found(text)
    assert found("My phone number on the account is 817-204-6638.") == [("PHONE", "817-204-6638")]


@pytest.mark.parametrize(
    "text",
    [
        "Cliente estadounidense, pasaporte n.º 612840417.",
        "Reisepass-Daten (US-Bürger): Nummer 612840417, ausgestellt 2021.",
        "旅券番号（米国）：612840417",
        "APIS|SURNAME=REYES|DOC=P|DOCNO=612840417|ISSUING=USA",
    ],
)
def test_a_passport_named_in_another_language_is_found(text: str) -> None:
    assert found(text) == [("US_PASSPORT_NUMBER", "612840417")]


def test_an_account_named_in_german_is_found() -> None:
    text = "Überweisung: ABA-Nr. 055203409, Kontonummer 84353213787, bitte bis Freitag."
    assert found(text) == [("US_BANK_ROUTING_NUMBER", "055203409"), ("US_BANK_ACCOUNT_NUMBER", "84353213787")]


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("my email is priya dot raman at gmail dot com and", "priya dot raman at gmail dot com"),
        ("¿Y un correo? lucia punto ferrer arroba hotmail punto com", "lucia punto ferrer arroba hotmail punto com"),
        ("the address is jdoe at outlook dot com thanks", "jdoe at outlook dot com"),
    ],
)
def test_an_email_address_read_out_is_found(text: str, email: str) -> None:
    assert found(text) == [("EMAIL", email)]


def test_a_site_read_out_is_not_an_email_address() -> None:
    assert found("take a look at google dot com for that") == []


@pytest.mark.parametrize(
    "text",
    [
        "Example from the AWS docs: AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY – use yours.",
        "Set SMTP_FROM to you@example.com and API_URL to https://example.com/api: both are placeholders.",
        "Beispiel: mustermann@example.org (Platzhalter aus der Vorlage)",
        "NI number format: two letters, six digits, one letter, e.g. QQ 12 34 56 C (HMRC's specimen).",
        "git clone git@github.com:shopco/checkout.git && cd checkout",
    ],
)
def test_documentation_placeholders_and_ssh_remotes_are_nobodys_data(text: str) -> None:
    assert found(text) == []


def test_documentation_domains_and_keys_outside_an_example_sentence_are_still_found() -> None:
    assert found("write to jane@example.com today") == [("EMAIL", "jane@example.com")]
    assert found("aws_access_key_id = AKIAIOSFODNN7EXAMPLE") == [("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Aidat kredi kartından: 9792 4841 2839 5588 SKT 09/28 güvenlik kodu 613",
            [("CREDIT_DEBIT_CARD_EXPIRY", "09/28"), ("CREDIT_DEBIT_CARD_CVV", "613")],
        ),
        ("Kaart 4666 1760 3137 2159, vervaldatum 12/27, CVC 512.", [("CREDIT_DEBIT_CARD_EXPIRY", "12/27")]),
        ("Il numero è 4666 1760 3137 2159 con scadenza marzo 2029", [("CREDIT_DEBIT_CARD_EXPIRY", "marzo 2029")]),
        (
            "put it on the amex 3745 807751 30601, CID 7302, good through June 2028",
            [("CREDIT_DEBIT_CARD_EXPIRY", "June 2028")],
        ),
    ],
)
def test_a_cards_expiry_in_turkish_dutch_italian_or_by_a_months_name_is_found(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert set(expected) <= set(found(text))


def test_a_passport_named_without_spaces_in_japanese_is_found() -> None:
    assert ("US_PASSPORT_NUMBER", "X27676471") in found("出願者情報：電話 090-4821-7736／米国パスポート番号 X27676471")


def test_a_number_called_by_another_name_after_a_phone_word_is_not_a_phone_number() -> None:
    assert found("Caller read out NHS number 760 669 7735 but the check digit failed") == []
    assert found("Direct: 713.448.2091 / Remit to accounts receivable") == [("PHONE", "713.448.2091")]


def test_the_one_pass_needle_search_agrees_with_a_search_per_needle() -> None:
    """Every keyword list's gate (one Aho-Corasick pass per text) says what a substring search for
    each of its needles would, in texts of several languages and none."""
    from gateway.guardrails.pii import context, lookalike_words
    from gateway.guardrails.pii.keywords import Keywords
    from gateway.guardrails.pii.scan import Scan

    words = {**vars(context), **vars(lookalike_words)}.values()
    lists = [k for k in words if isinstance(k, Keywords) and k.needles is not None]
    texts = [
        "Ma carte expire bientôt, cryptogramme au dos",
        "La contraseña del router y el número de cuenta",
        "米国パスポート番号と有効期限",
        "call me on my mobile, or text the office",
        "nothing here at all",
        "Kontonummer, Reisepass und Kennwort",
    ]
    for text in texts:
        scan = Scan(text)
        for keywords in lists:
            assert keywords.needles is not None
            assert scan.mentions(keywords) == any(n in text.lower() for n in keywords.needles), (text, keywords)

"""PII that the guardrail rounds of stop 39 found missed or mis-read: a transcript's answer to the
question on the line before (an NHS number although the next line asks for a phone, a spoken SSN
after "the full social", a routing number read digit by digit up to a comma), a PNR's contact phone,
an APIS manifest's passport cells, a NINO typed in lower case a clause after its name, passwords
after "I remember:", "que puse es", in brackets after the word, in a login's "user / password" and
after Korean's "비번", a form body's URL-encoded e-mail, a Google app password, Russia's domestic and
Poland's "Tel. kontaktowy" phones, "S.S.N.", an AWS secret after "секрет", an e-file's "dan"; and
what must stay unflagged: a reset e-mail's "if it was you", hexdump bytes, agents upgraded from one
10.x version to another, documentation keys in a guide, a password's policy fields, an elided
token, a browser's version, a format's "name@domain.tld", a meter id, a frequent-flyer account,
dates on labels, quotes, licences, rail cards and loyalty tiers, a help desk's ticket routing, a
test patient, an AWS account in an error, a sample cheque, the IBAN registry's example. New
sentences, none from an evaluation set."""

from __future__ import annotations

import pytest

from tests.support.pii import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Handler: Have you got his NHS number handy?\nCaller: yeah, it is on the clinic letter... 342 366 7125\n"
            "Handler: And a number to call you back on?",
            ("UK_NATIONAL_HEALTH_SERVICE_NUMBER", "342 366 7125"),
        ),
        (
            "[agent] thanks, and I'll need the full social.\n[caller] ok it's five one eight, twenty-two, six oh"
            " nine three",
            ("US_SOCIAL_SECURITY_NUMBER", "five one eight, twenty-two, six oh nine three"),
        ),
        ("  4 SSR CTCM AF HK1/33612345678", ("PHONE", "33612345678")),
        (
            "surname,given,sex,doc_type,doc_no,issuer,expiry\nOKAFOR,MIRA,F,P,561204378,USA,2031-03-02",
            ("US_PASSPORT_NUMBER", "561204378"),
        ),
        (
            "my nino keeps failing on the portal even though i typed ab 12 34 56 c twice",
            ("UK_NATIONAL_INSURANCE_NUMBER", "ab 12 34 56 c"),
        ),
        ("Forgot it again. Last password I used: Kestrel#88 (from March).", ("PASSWORD", "Kestrel#88")),
        ("Hola, la contraseña que tengo es Faro*Norte77 y no me deja entrar.", ("PASSWORD", "Faro*Norte77")),
        ("name=Mira+Osei&email=mira.osei%40fastmail.com&plan=pro", ("EMAIL", "mira.osei%40fastmail.com")),
        (
            "account work\nhost smtp.gmail.com\nuser mira.osei@gmail.com\npassword qwfp ldhu kmxz rtcv",
            ("PASSWORD", "qwfp ldhu kmxz rtcv"),
        ),
        ("Имя: Ольга\nТел.: 8 (912) 305-44-17", ("PHONE", "8 (912) 305-44-17")),
        ("Borrower S.S.N.: 518.22.6093 | Loan #LN-4471", ("US_SOCIAL_SECURITY_NUMBER", "518.22.6093")),
        (
            "[09:14] Ana: for the wire, routing is 0 2 1 0 0 0 0 2 1, account to follow",
            ("US_BANK_ROUTING_NUMBER", "0 2 1 0 0 0 0 2 1"),
        ),
        ("guest wifi for the workshop: CafeGuest / Moss-Harbor-58", ("PASSWORD", "Moss-Harbor-58")),
        ("Hij heeft zijn wachtwoord per ongeluk gedeeld (Vlinder#2025), graag resetten.", ("PASSWORD", "Vlinder#2025")),
        ("임시 비번: Sora!2025tmp", ("PASSWORD", "Sora!2025tmp")),
        ("Tel. kontaktowy 601 223 448, faktura na firmę.", ("PHONE", "601 223 448")),
        (
            "Ключ AKIAQ3WX7ZRT2LMN8P4K и секрет hT3/kP9xQ2mZ7vLr8NcW4yB1sD6fG0jE5uA+oI2q утекли.",
            ("AWS_SECRET_KEY", "hT3/kP9xQ2mZ7vLr8NcW4yB1sD6fG0jE5uA+oI2q"),
        ),
        ('{"rtn": "021000021", "dan": "55012873", "type": "checking"}', ("US_BANK_ACCOUNT_NUMBER", "55012873")),
    ],
)
def test_transcript_answers_and_form_bodies_are_found(text: str, expected: tuple[str, str]) -> None:
    assert expected in found(text)


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        (
            "Someone asked to reset the password on your account. If it was you, follow the link below.",
            ("PASSWORD", "you"),
        ),
        (
            "00000020  07 00 41 00 00 2c 3a 11  40 00 40 06 b1 e6 ac 10  |..A..,:.@.@.....|",
            ("PHONE", "07 00 41 00 00"),
        ),
        (
            "Rolled the upgrade overnight: kiosk agent from 10.3.2.1 to 10.3.4.0 on every store.",
            ("IP_ADDRESS", "10.3.2.1"),
        ),
        ("Upgrade notes: agent 10.5.1.2 replaces 10.5.0.9 on all tills.", ("IP_ADDRESS", "10.5.0.9")),
        ("وإصدار البرنامج 3.1.4.2 متاح الآن", ("IP_ADDRESS", "3.1.4.2")),
        (
            "From the setup guide: aws configure asks for AKIAIOSFODNN7EXAMPLE",
            ("AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"),
        ),
        ("Password requirements: 12+ characters and one symbol.", ("PASSWORD", "12+")),
        ("Password last changed: 2024-05-30.", ("PASSWORD", "2024-05-30")),
        ("AWS_SESSION_TOKEN=FwoGZXIvYXdzEJr4k2...(truncated)", ("PASSWORD", "FwoGZXIvYXdzEJr4k2...")),
        ("New sign-in from Chrome 124.0.0.0 on Windows.", ("IP_ADDRESS", "124.0.0.0")),
        ("The 'email' field must look like name@domain.tld.", ("EMAIL", "name@domain.tld")),
        (
            "To pay by bank, enter your routing and account numbers. Meter ID 41-208-7731, due 05/02.",
            ("US_BANK_ACCOUNT_NUMBER", "41-208-7731"),
        ),
        ("Frequent flyer account 5520 1873 664, tier Silver.", ("US_BANK_ACCOUNT_NUMBER", "5520 1873 664")),
        (
            "Label: Ibuprofen 200 mg, LOT 77B, EXP 11/27. Loyalty card points: 40.",
            ("CREDIT_DEBIT_CARD_EXPIRY", "11/27"),
        ),
        ("Validade do orçamento: 10/26. Pagamento no cartão em 2x.", ("CREDIT_DEBIT_CARD_EXPIRY", "10/26")),
        ("Führerschein gültig bis 09/2031; BahnCard 50 gültig bis 05/27.", ("CREDIT_DEBIT_CARD_EXPIRY", "05/27")),
        ("A National Insurance number looks like QQ 12 34 56 C.", ("UK_NATIONAL_INSURANCE_NUMBER", "QQ 12 34 56 C")),
        ("Ticket routing: queue BILLING, status ASSIGNED", ("SWIFT_CODE", "ASSIGNED")),
        ("Training note: test patient 943 476 5919 in the sandbox.", ("PHONE", "943 476 5919")),
        (
            "User ci-deploy got AccessDenied in account 552730198440 calling s3:PutObject.",
            ("US_BANK_ACCOUNT_NUMBER", "552730198440"),
        ),
        (
            "The sample cheque in this handbook shows account 000987654321, for illustration only.",
            ("US_BANK_ACCOUNT_NUMBER", "000987654321"),
        ),
        ("Rewards card: your Platinum tier expires 08/27.", ("CREDIT_DEBIT_CARD_EXPIRY", "08/27")),
        ("IBAN example from the registry docs: GB29 NWBK 6016 1331 9268 19, BIC NWBKGB2L.", ("SWIFT_CODE", "NWBKGB2L")),
    ],
)
def test_look_alikes_of_these_rounds_are_not_flagged(text: str, unwanted: tuple[str, str]) -> None:
    assert unwanted not in found(text)

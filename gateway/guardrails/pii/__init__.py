"""Finding PII in text, for the sensitive information policy (policies/pii.py).

- ``scan.py``        a Finding, the Scan of one text (context rules)
- ``detector.py``    the Detector record, gates on words, matches found after keywords
- ``placeholders.py`` whether a value is a documented example or a template's placeholder
- ``keywords.py``    keyword lists as patterns and needles (one Aho-Corasick pass finds a text's needles)
- ``validators.py``  check digits and structural rules (Luhn, mod 97, ABA, NHS mod 11, UTR, VIN...)
- ``context.py``     the keywords that say what a bare number is
- ``numbers.py``     cards, CVV, expiry, SSN, ITIN, bank account and routing, NHS, UTR, SIN, health, PIN
- ``phones.py``      phone numbers, international and national
- ``network.py``     email, URL, IPv4/IPv6, MAC
- ``codes.py``       IBAN, SWIFT, VIN, UK NINO, licence plates, driver's licences
- ``secrets.py``     AWS keys, passwords, API tokens, private keys
- ``password_words.py`` the word for "password" in the other languages read
- ``secret_forms.py`` passwords in tools' formats: CSV columns, XML, Wi-Fi QR, key/value variables, plans
- ``spoken.py``      numbers spelled partly out or split by stray spaces, read again as digits
- ``folding.py``     the text as detectors read it (no zero-width characters, ASCII digits), offsets mapped back
- ``scanner.py``     the detectors a set of types needs, run in order; overlaps settled
- ``ner.py``         NAME, ADDRESS, AGE, USERNAME from a local token-classification model
"""

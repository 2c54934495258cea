"""US passports in travel systems' own records, where no keyword names them: a GDS's SSR DOCS line
("P/USA/<number>/USA/..."), EDIFACT PAXLST's DOC segment followed by its issuing country
(LOC+91+USA), a PNR's passenger line ("PP 548127396 USA") and an APIS manifest's row
("P,558519731,USA"). The record itself says the document is a US passport."""

from __future__ import annotations

import re

from gateway.guardrails.pii.detector import Detector
from gateway.guardrails.pii.scan import found

PASSPORT = "US_PASSPORT_NUMBER"

TRAVEL_DOCUMENTS = (
    Detector(
        (PASSPORT,),
        # an airline's passenger data: "SSR DOCS TK HK1 P/USA/P82787156/USA/12JUN85/F/...": a US-issued passport
        # or EDIFACT PAXLST's: "DOC+P:110:111+578909316'DTM+36:320114'LOC+91+USA'" (91: the issuing country)
        re.compile(
            r"\bDOCS\b[^\n]{0,24}?\bP/USA/(?P<value>[A-Z0-9]{6,9})/"
            r"|\bDOC\+P(?::\d+)*\+(?P<edi>[A-Z0-9]{6,9})'(?=\s*(?:[A-Z]{3}\+[^'\n]*'\s*){0,2}LOC\+91\+USA')"
        ),
        lambda match, scan: found(PASSPORT, *match.span("value" if match["value"] else "edi")),
        lambda scan: "DOC" in scan.text and "USA" in scan.text,
    ),
    Detector(
        (PASSPORT,),
        # a PNR's passenger line: "HOLLOWAY/GRACE MS   PP 548127396 USA  exp 18JUN31": PP, the number, the
        # country; or an APIS manifest's cells, document type, number and country: "M,P,558519731,USA,2030-11-02"
        re.compile(r"\b(?:PP[ \t:]+|P(?P<cell>[,;|\t]))(?P<value>[A-Z]?\d{8,9})(?(cell)(?P=cell)|[ \t]+)USA\b"),
        lambda match, scan: found(PASSPORT, *match.span("value")),
        lambda scan: "USA" in scan.text,
    ),
)

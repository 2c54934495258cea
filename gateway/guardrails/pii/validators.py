"""Check digits and structural rules of identifiers, applied after a pattern has proposed a
candidate: they are what keeps order numbers, invoice numbers and other digit runs out.

Each function takes the identifier's characters without separators (``digits``/``compact``).
"""

from __future__ import annotations

# ISO 3166-1 alpha-2 codes (the country part of a SWIFT/BIC code).
ISO_COUNTRIES = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
    BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER
    ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID
    IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV
    LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR
    NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC
    VE VG VI VN VU WF WS XK YE YT ZA ZM ZW""".split()
)

# IBAN length per country (SWIFT's IBAN registry, and national IBANs in use outside it).
IBAN_LENGTHS = {
    code: int(length)
    for code, length in (
        pair.split(":")
        for pair in """AD:24 AE:23 AL:28 AT:20 AZ:28 BA:20 BE:16 BG:22 BH:22 BI:27 BR:29 BY:28 CH:21 CR:22
        CY:28 CZ:24 DE:22 DJ:27 DK:18 DO:28 EE:20 EG:29 ES:24 FI:18 FK:18 FO:18 FR:27 GB:22 GE:22 GI:23
        GL:18 GR:27 GT:28 HN:28 HR:21 HU:28 IE:22 IL:23 IQ:23 IS:26 IT:27 JO:30 KW:30 KZ:20 LB:28 LC:32
        LI:21 LT:20 LU:20 LV:21 LY:25 MC:27 MD:24 ME:22 MK:19 MN:20 MR:27 MT:31 MU:30 NI:28 NL:18 NO:15
        OM:23 PK:24 PL:28 PS:29 PT:25 QA:29 RO:24 RS:22 RU:33 SA:24 SC:31 SD:18 SE:24 SI:19 SK:24 SM:27
        SO:23 ST:25 SV:28 TL:23 TN:24 TR:26 UA:29 VA:22 VG:24 XK:20 YE:30
        AO:25 BF:28 BJ:28 CF:27 CG:27 CI:28 CM:27 CV:25 DZ:26 GA:27 GQ:27 GW:25 IR:26 KM:27 MA:28 MG:27
        ML:28 MZ:25 NE:28 SN:28 TD:27 TG:28""".split()
    )
}  # the registry's, then the countries whose banks issue IBANs outside it (Iran's Sheba, the CFA franc zone)

# Federal Reserve routing symbols: the first two digits of an ABA routing number.
_ABA_PREFIXES = frozenset([*range(0, 13), *range(21, 33), *range(61, 73), 80])
_VIN_VALUES = dict(
    zip("ABCDEFGHJKLMNPRSTUVWXYZ", [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9], strict=True)
)
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn(digits: str) -> bool:
    """The Luhn (mod 10) check of card numbers and Canadian SINs."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        total += _LUHN_DOUBLED[value] if position % 2 else value
    return total % 10 == 0


def card_issuer(digits: str) -> bool:
    """Whether the number has a known issuer prefix (IIN) and a length that issuer uses."""
    n = len(digits)
    two, four, six = int(digits[:2]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4":
        return n in (13, 16, 19)  # Visa
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16  # Mastercard
    if two in (34, 37):
        return n == 15  # American Express
    if four == 6011 or 644 <= int(digits[:3]) <= 649 or two == 65 or 622126 <= six <= 622925:
        return 16 <= n <= 19  # Discover
    if 300 <= int(digits[:3]) <= 305 or two in (36, 38, 39):
        return 14 <= n <= 19  # Diners Club
    if 3528 <= four <= 3589:
        return 16 <= n <= 19  # JCB
    if two == 62:
        return 16 <= n <= 19  # UnionPay
    if four == 9792:
        return n == 16  # Troy (Türkiye)
    if 2200 <= four <= 2204:
        return 16 <= n <= 19  # Mir (Russia)
    if four in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763, 6767):
        return 12 <= n <= 19  # Maestro (6767: Maestro UK, once Solo)
    return False


def card_number(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and card_issuer(digits) and luhn(digits) and len(set(digits)) > 1


def us_ssn(digits: str) -> bool:
    """SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000; not one repeated digit."""
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return (
        len(digits) == 9
        and area not in ("000", "666")
        and area[0] != "9"
        and group != "00"
        and serial != "0000"
        and len(set(digits)) > 1
    )


def us_itin(digits: str) -> bool:
    """IRS: 9xx, then a group in 50-65, 70-88, 90-92 or 94-99."""
    if len(digits) != 9 or digits[0] != "9":
        return False
    group = int(digits[3:5])
    return 50 <= group <= 65 or 70 <= group <= 88 or 90 <= group <= 92 or 94 <= group <= 99


def aba_routing(digits: str) -> bool:
    """ABA routing number: a Federal Reserve prefix and the 3-7-1 weighted checksum."""
    if len(digits) != 9 or int(digits[:2]) not in _ABA_PREFIXES or len(set(digits)) == 1:
        return False
    d = [ord(c) - 48 for c in digits]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def uk_nhs(digits: str) -> bool:
    """NHS number: mod 11 over the first nine digits, weights 10 down to 2."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum((10 - i) * (ord(c) - 48) for i, c in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == ord(digits[9]) - 48


def uk_utr(digits: str) -> bool:
    """Unique Taxpayer Reference: the first digit checks the other nine (HMRC's weights 6-10, 5-2)."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(w * (ord(c) - 48) for w, c in zip((6, 7, 8, 9, 10, 5, 4, 3, 2), digits[1:], strict=True))
    return "21987654321"[total % 11] == digits[0]


def ca_sin(digits: str) -> bool:
    """Canadian SIN: Luhn, and not starting with 8 (unused). 0 is unassigned too, but the published
    sample SIN (046 454 286) starts with it, and people test with it."""
    return len(digits) == 9 and digits[0] != "8" and len(set(digits)) > 1 and luhn(digits)


def iban(compact: str) -> bool:
    """IBAN: the country's length and ISO 13616's mod-97 check."""
    compact = compact.upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    if not rearranged.isalnum() or not rearranged.isascii():
        return False
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def vin(compact: str) -> bool:
    """Vehicle identification number: ISO 3779 characters and the North American check digit."""
    compact = compact.upper()
    if len(compact) != 17 or compact.isdigit() or compact.isalpha():
        return False
    total = 0
    for char, weight in zip(compact, _VIN_WEIGHTS, strict=True):
        value = ord(char) - 48 if char.isdigit() else _VIN_VALUES.get(char)
        if value is None:
            return False
        total += value * weight
    check = total % 11
    return compact[8] == ("X" if check == 10 else str(check))


def swift(code: str) -> bool:
    """BIC: four bank letters, an ISO country, a location whose second character is not 'O'."""
    return (
        len(code) in (8, 11) and code[:4].isalpha() and code[4:6] in ISO_COUNTRIES and code[7] != "O" and code.isupper()
    )

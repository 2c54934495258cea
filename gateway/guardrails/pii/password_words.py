"""The word for "password" beyond English, as the PASSWORD detector reads it before a value ("mot
de passe : X", "Lozinka za Wi-Fi: X", "パスワードは X"): a pattern and the needles that gate it.

Words are matched whole, case-insensitively; "passwort" and "kennwort" also end compounds
("WLAN-Passwort", "Zugangskennwort"); the scripts written without spaces (Japanese, Chinese,
Korean, Thai) are matched anywhere.
"""

from __future__ import annotations

_SPACED = (
    # Western and Northern Europe
    "mot de passe", "clé wi-?fi", "clé wpa", "clé de sécurité", "contrase[ñn]a", "contrasenya", "contrasinal",
    "clave (?:del? )?wi-?fi", "clave wpa", "chiave wi-?fi",
    # the Nordic words with their definite ending: "passordet er X", "lösenordet är X"
    "pasahitza", "senha", "wachtwoord", "wagwoord", "parola", "lösenord(?:et)?", "losenord(?:et)?",
    "adgangskoden?", "passord(?:et)?", "salasana", "lykilorð", "cyfrinair",
    # Central and Eastern Europe, the Balkans, the Baltics
    "hasło", "haslo", "jelszó", "heslo", "geslo", "lozink[aeu]", "parool", "slaptažodis", "пароль", "парола",
    "лозинка", "гасло", "κωδικός",
    # Turkey, the Caucasus, the Middle East, South and Southeast Asia, Africa
    "şifresi", "şifre", "sifresi", "sifre", "şifreniz", "գաղտնաբառ", "პაროლი", "ה?סיסמ[הא]", "رمز عبور",
    "كلمة المرور", "كلمة السر", "पासवर्ड", "পাসওয়ার্ড", "கடவுச்சொல்", "kata sandi", "kata laluan", "mật khẩu",
    "nenosiri", "ọ̀rọ̀ aṣínà", "oro asina", "ọrọ aṣina",
)  # fmt: skip
_UNSPACED = ("パスワード", "暗証番号", "密码", "密碼", "비밀번호", "비번", "รหัสผ่าน")  # 비번: 비밀번호 for short

PASSWORD_ELSEWHERE = r"(?i:(?:\b\w*(?:passwort|kennwort)|\b(?:" + "|".join(_SPACED) + ")|" + "|".join(_UNSPACED) + "))"
# The literal parts every match starts with or holds: the detector runs only on texts holding one.
PASSWORD_ELSEWHERE_NEEDLES = (
    "wort", "mot de passe", "clé wi", "clé wpa", "clé de sécurité", "contrase", "contrasinal", "clave wi",
    "clave de", "clave wpa", "chiave wi", "pasahitza",
    "senha", "wachtwoord", "wagwoord", "parola", "senord", "adgangskode", "passord", "salasana", "lykilorð",
    "cyfrinair", "hasło", "haslo", "jelszó", "heslo", "geslo", "lozink", "parool", "slaptažodis", "пароль",
    "парола", "лозинка", "гасло", "κωδικός", "şifre", "sifre", "գաղտնաբառ", "პაროლი", "סיסמ", "رمز عبور",
    "كلمة المرور", "كلمة السر", "पासवर्ड", "পাসওয়ার্ড", "கடவுச்சொல்", "kata sandi", "kata laluan", "mật khẩu",
    "nenosiri", "ọ̀rọ̀ aṣínà", "oro asina", "ọrọ aṣina", *_UNSPACED,
)  # fmt: skip

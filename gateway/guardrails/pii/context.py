"""Context keywords: the words near a value that say what it is. Each is a regular expression
fragment matched case-insensitively as a whole word (``keywords.keywords``)."""

from __future__ import annotations

from gateway.guardrails.pii.keywords import keywords

SSN = keywords(
    r"ssns?",
    r"ss ?#",
    r"ss no",
    r"social[ -]security",
    r"soc\.? sec\.?",
    r"social sec",
    r"s\.s\.n\.?",
    r"full social(?![ \t]*[a-z])",  # "I'll need the full social." (a transcript's question)
    *(rf"{whose} social" for whose in ("my", "his", "her", "your", "their")),
    r"seguro social",
)
ITIN = keywords(r"itins?", r"individual taxpayer", r"taxpayer id\w*", r"tax ?id\w*", r"tax[_-]id\w*", r"tins?")
# A field for any taxpayer's number (an SSN or an ITIN): "tax_id": "452-09-7731"
TAX_ID = keywords(r"taxpayer id\w*", r"tax ?id\w*", r"tax[_-]id\w*", r"tins?")
CVV = keywords(
    r"cvv2?",
    r"cryptogramme( visuel)?",  # French cards' CVV
    r"cvc2?",
    r"cvn2?",
    r"安全码", r"安全碼", r"末三碼", r"末三码", r"後三碼", r"后三码",  # "背面末三碼 746": the last three on the back
    r"セキュリティーコード",
    r"セキュリティコード",
    r"csc",
    r"security code",
    r"card verification( value| code)?",
    r"card code",
    r"digit(?:(?<=[34][ -]digit)|(?<=three[ -]digit)|(?<=four[ -]digit))s?( security)? code",
    r"digit(?:(?<=[34][ -]digit)|(?<=three[ -]digit))(?= (?:is|was)\b)",  # "and the 3 digit is 951"
    r"sec code",
    r"code on (the )?back",
    r"code on (the )?front",  # an Amex's four digits
    r"الرمز الأمني", r"رمز الأمان",
    r"number on (the )?back",
    r"numbers on (the )?back",
    r"digits on (the )?back",
    r"digits on the back",
    # "the three on the back is 702"
    r"three on (the )?back", r"four on (the )?back", r"3 on (the )?back", r"4 on (the )?back",
    r"back of (my|the|your|his|her|their|our) card",
    # French, Spanish, Portuguese, German, Italian
    r"sekureca kodo",  # Esperanto
    r"cryptogramme( visuel)?",
    r"code de s[ée]curit[ée]",
    r"código de seguridad",
    r"codigo de seguridad",
    r"código de segurança",
    r"codigo de seguranca",
    r"código de verificação",
    r"prüfnummer",
    r"pruefnummer",
    r"kartenprüfnummer",
    r"prüfziffer",
    r"sicherheitscode",
    r"codice di sicurezza",
    r"codice di verifica",
    r"güvenlik kodu",
    r"guvenlik kodu",
    r"beveiligingscode",
    # Danish, Norwegian, Swedish, Indonesian, Vietnamese, Hungarian, Czech, Polish, Korean
    r"kontrolcifre", r"kontrolnummer", r"sikkerhedskode", r"sikkerhetskode", r"säkerhetskod", r"kode keamanan",
    r"mã bảo mật", r"biztonsági kód", r"bezpečnostní kód", r"kod bezpieczeństwa", r"kod cvv", r"보안 ?코드",
    r"code au dos", r"código (de atrás|del reverso|no verso)", r"codigo (de atras|del reverso|no verso)",
    r"números de atrás", r"numeros de atras", r"dígitos de atrás", r"digitos de atras", r"números del reverso",
)  # fmt: skip
# Once a card or its expiry is in the text, a short number after one of these is its CVV.
CODE_IN_CARD_TALK = keywords(r"code", r"sec(urity)?", r"cv", r"verification")
EXPIRY = keywords(
    r"exp\.?", r"expir\w*", r"valid (thru|through|until|till)", r"good (thru|through)", r"mm ?/ ?yy(yy)?", r"exp date",
    # French, Spanish, Portuguese, German, Italian
    r"valable jusqu'(au|à|a)", r"date d'expiration", r"caduca", r"caducidad", r"vencimiento", r"vence",
    r"validade", r"vencimento", r"válid[oa] até", r"valid[oa] ate", r"gültig bis", r"gueltig bis",
    r"ablaufdatum", r"läuft ab", r"scadenza", r"scade", r"valida fino( al)?",
    r"ważna do", r"wazna do", r"geldig tot", r"giltigt till", r"son kullanma", r"有效期", r"有効期限",
    r"到期日?", r"有效日期",
    r"valid +(thru|through|until)",
    r"vervaldatum", r"skt", r"son kul\.?", r"expire le", r"expira",
    r"udløb\w*", r"gyldig til", r"utløp\w*", r"utgångsdatum", r"giltig till", r"berlaku (s\.? ?d\.?|s/d|sampai|hingga)",
    r"masa berlaku", r"kedaluwarsa", r"hết hạn", r"ngày hết hạn",
    r"hạn(?: dùng| sử dụng)?", r"lejárat", r"platnost do", r"data ważności",
    r"срок действия", r"действительна до", r"유효 ?기간", r"만료", r"λήξη", r"λήξης", r"ημερομηνία λήξης",
    r"تاريخ الانتهاء", r"انتهاء", r"cad\.", r"scad\.", r"समाप्ति", r"समाप्ति तिथि",
)  # fmt: skip
CARD = keywords(
    r"cards?", r"visa", r"mastercard", r"amex", r"credit", r"debit",
    r"carte bancaire", r"carte de crédit", r"ma carte", r"tarjetas?", r"cartão", r"cartao", r"karte", r"kreditkarte",
    r"carta di credito", r"carta", r"kaart", r"creditcard", r"kredi kart\w*", r"kart no", r"kartı", r"kartım\w*",
    r"kartla", r"kartu", r"thẻ", r"κάρτα", r"κάρτας", r"карта", r"карты", r"картой", r"карту", r"بطاقة",
    r"카드", r"カード", r"卡号", r"信用卡", r"银行卡", r"信用卡號", r"卡號",
    # a field named for it ("cardNumber", "card_no"), and the word for card in more languages
    r"card_?(?:number|num|no)", r"kart", r"karta", r"karty", r"kartę", r"ikhadi", r"ngekhadi", r"kaadi",
    r"картасы", r"картка", r"картки", r"அட்டை", r"కార్డు", r"ಕಾರ್ಡ್", r"കാർഡ്", r"कार्ड", r"কার্ড", r"ਕਾਰਡ", r"કાર્ડ",
    r"כרטיס", r"کارت", r"کارڈ", r"บัตร",
)  # fmt: skip
ACCOUNT = keywords(
    r"accounts?", r"acct\.?", r"acc\.? no", r"a/c", r"checking", r"savings", r"bank account", r"account number",
    r"account_?(?:number|no|num)",  # an app's field: accountNumber, account_no
    r'dan(?="[ \t]*:)',  # an e-file's deposit account number: {"rtn": "...", "dan": "..."}
    r"hesab\w*", r"hesap",  # Turkish: "Chase hesabım 1193847502"
    r"kontonummer", r"konto(nr\.?)?", r"número de cuenta", r"numero de cuenta", r"cuenta", r"numéro de compte",
    r"numero de compte", r"compte", r"खाता", r"tài khoản",
    r"conto( corrente)?", r"rekeningnummer", r"rekening", r"numer konta", r"conta",
    r"账号", r"账户", r"帳號", r"帳戶", r"口座番号", r"계좌 ?번호", r"계좌",
    # more languages: "akaun", "கணக்கு எண்", "হিসাব নম্বর", "ખાતું"
    r"akaun", r"akun", r"račun", r"racun", r"számla\w*", r"hesap", r"hesabı", r"λογαριασμ\w*", r"счет", r"счёт",
    r"рахун\w*", r"חשבון", r"حساب", r"الحساب", r"حسابي", r"کھاتہ", r"اکاؤنٹ", r"হিসাব", r"অ্যাকাউন্ট", r"அக்கவுண்ட்", r"கணக்கு",
    r"ખાતું", r"ખાતા", r"ఖాతా", r"ಖಾತೆ", r"അക്കൗണ്ട്", r"บัญชี", r"akaunti", r"asusu",
    r"ਖਾਤਾ", r"ਖਾਤੇ", r"खाते", r"קאָנטע", r"קאנטע" r"teugatupe",
)  # fmt: skip
ROUTING = keywords(
    r"routing", r"routing_?(?:number|no|num)", r"aba", r"rtn", r"transit( number)?", r"bank routing", r"rdfi",
    r"número de ruta", r"numero de ruta",
    r"ruta", r"रूटिंग", r"라우팅",
    r"রাউটিং", r"ரூட்டிங்", r"રાઉટિંગ", r"రౌటింగ్", r"راؤٹنگ", r"ราวติ้ง", r"ルーティング", r"路由", r"राउटिंग",
    r"روتینگ", r"روتنگ", r"ראַוטינג", r"ראוטינג", r"رقم التوجيه", r"رقم توجيه",
    r"ਰੂਟਿੰਗ", r"ರೂಟಿಂಗ್", r"റൂട്ടിംഗ്", r"rozliczeniow\w*", r"routingov\w*",
)  # fmt: skip
PASSPORT = keywords(
    r"passports?", r"passport (no|number|#)", r"pasaporte", r"passeport", r"reisepass\w*", r"passaporto",
    r"paspoort\w*", r"passaporte",
    r"document: p", r"document type: p", r"doc type: p",  # literal: "doc" alone would open the search for most texts
    r'doc_type"?[ \t]*[:=][ \t]*"?p"?,?[ \t]*"?doc_(?:number|no|num)',  # an API's {"doc_type":"P","doc_number":...}
    r"amerikanskt pass", r"passet",
    r"paszport", r"pasaport", r"docno", r"passportno", r"passport_no", r"passportnumber",
    r"загранпаспорт\w*",
    r"旅券\w*", r"パスポート", r"护照", r"여권",
    r"पासपोर्ट", r"паспорт\w*", r"جواز",
    # more languages: "vegabréf nr.", "putovnica", "หนังสือเดินทาง ... เลขที่"
    r"vegabréf\w*", r"putovnic\w*", r"potni list", r"cestovní pas", r"cestovný pas", r"útlevél\w*", r"passi",
    r"passnummer", r"pasas", r"pasaportë", r"pasport\w*", r"passaport\w*", r"διαβατήρι\w*", r"διαβατηρ\w*",
    r"amerikanska pass",
    r"hộ chiếu", r"หนังสือเดินทาง", r"護照", r"דרכון", r"گذرنامه", r"پاسپورٹ", r"পাসপোর্ট", r"கடவுச்சீட்டு",
    r"პასპორტ\w*", r"անձնագ\w*", r"pasipoti", r"fasfo", r"paspor", r"pasiporo",
    # Brahmic scripts, with and without the zero-width non-joiner some keyboards put in ("ಪಾಸ್‌ಪೋರ್ಟ್")
    r"ಪಾಸ್‌ಪೋರ್ಟ್", r"ಪಾಸ್ಪೋರ್ಟ್", r"పాస్‌పోర్ట్", r"పాస్పోర్ట్", r"പാസ്‌പോർട്ട്", r"പാസ്പോർട്ട്", r"પાસપોર્ટ",
    r"ਪਾਸਪੋਰਟ", r"பாஸ்போர்ட்", r"pepa malaga",
)  # fmt: skip
NHS = keywords(
    r"nhs",
    r"nhs ?number",
    r"national health( service)?",
    r"health service",
    r"rhif gig",
    r"এনএইচএস",
    r"एनएचएस",
    r"urn:oid:2[.]16[.]840[.]1[.]113883[.]2[.]1[.]4[.]1",  # FHIR's identifier system for NHS numbers
)
UTR = keywords(r"utrs?", r"unique taxpayer", r"taxpayer reference", r"self[ -]assessment", r"hmrc", r"tax reference")
SIN = keywords(r"sins?", r"social insurance", r"assurance sociale", r"nas")
CA_HEALTH = keywords(
    r"health cards?",
    r"health (insurance )?number",
    r"health card number",
    r"ohip",
    r"ramq",
    r"phn",
    r"care ?card",
    r"carte (d'assurance[ -]maladie|santé)",
    r"hcn",
)
PHONE = keywords(
    r"phones?", r"tel\.?", r"telephone", r"mobile", r"cell( ?phone)?", r"fax", r"call(ing)?", r"text( me)?", r"sms",
    r"whatsapp", r"dial", r"reach (me|us|him|her)", r"contact", r"ring",
    r"called", r"texted", r"texting", r"phoned", r"rang", r"dial(l)?ed",  # "he texted from 5125550176"
    r"caller(?! ?:)",  # not a transcript's speaker label ("CALLER: 034 989 003")
    r"kontakt", r"direct(?= ?:)", r"ph(?= ?:)",
    *(rf"{w} (number|no\.?|#|line)" for w in "best contact callback daytime evening home work office direct".split()),
    r"mobil", r"handy", r"festnetz", r"rückruf\w*", r"telefon", r"telefono", r"teléfono", r"teléfonu", r"telephone",
    r"téléphone",
    r"tél",
    r"portable", r"movil", r"móvil", r"celular", r"cellulare", r"llám\w*", r"llam[ae]\w*", r"márque\w*",
    r"cualquier cosa",  # a chat's "cualquier cosa al 655 902 117" (for anything, call)
    r"marque(me|nos)", r"ligue\w*", r"appel(ez|le)\w*", r"chiama\w*", r"anruf\w*", r"zadzwo\w*", r"oddzwo\w*",
    r"telefonu", r"telèfon", r"zap", r"whats(?:app)?", r"wpp",
    r"ring (på|til)", r"cel\.?", r"vipps", r"mobilepay", r"bizum", r"twint",  # payment apps keyed by a phone
    r"bel", r"contact[oa]", r"bel (me|ons)", r"hubungi", r"telefonisch", r"erreichbar",
    r"tlf\.?", r"tel\.? kontaktowy", r"telefon kontaktowy", r"numer kontaktowy", r"nr tel\.?",
    r"telemóvel", r"telemovel", r"gsm", r"móbil", r"mobil(n[ií]|ni|ný|tel(efon)?)", r"mobitel", r"mob\.",
    r"wa",  # WhatsApp, as Indonesian and Malay chats write it
    r"hp",  # Indonesian and Malay: "no. HP" (handphone)
    r"handphone", r"ponsel", r"telepon", r"טלפון", r"נייד", r"โทร\w*", r"simu", r"telepono", r"điện thoại",
    r"τηλ\.?", r"τηλέφωνο", r"κινητό", r"телефон\w*", r"тел\.?", r"звоните", r"позвоните", r"هاتف", r"جوال", r"电话",
    r"اتصل", r"اتصلوا", r"natel", r"telefoon\w*", r"mobiel\w*", r"gsm",
    r"手机", r"联系人", r"联系方式", r"電話", r"携帯", r"連絡先", r"전화", r"연락처", r"휴대폰", r"핸드폰",
)  # fmt: skip
PIN = keywords(r"pins?", r"pin (code|number)", r"atm pin")
VIN = keywords(r"vins?", r"vehicle identification( number)?", r"chassis( number)?", r"frame number")
SWIFT = keywords(
    r"swift",
    r"bic",
    r"bicfi",  # ISO 20022's <BICFI> element
    r"swift代码",
    r"swift代碼",
    r"swiftコード",
    r"swift코드",  # "SWIFT代码 HSBCHKHHHKH"
    r"bank identifier( code)?",
    r"bank code",
    r"iban",
    r"wire",
    r"transfer",
    r"bank",
    r"routing",
    r"السويفت",
    r"سويفت",
    r"الآيبان",
    r"سوئفٹ",
    r"سوئیفت",
    r"स्विफ्ट",
    r"সুইফট",
    r"свифт",
    r"свіфт",
    r"スイフト",
    r"스위프트",
)
AWS_SECRET = keywords(
    r"secret",
    r"секрет\w*",
    r"секретн\w* ключ\w*",
    r"clave secreta",
    r"chave secreta",
    r"clé secrète",
    r"geheime[rn]? schlüssel",
    r"aws_secret_access_key",
    r"secret_?access_?key",
    r"secret access key",
    r"secret key",
    r"aws",
    r"시크릿",
    r"シークレット",
    r"秘密",
    r"密钥",
    r"secreto",
    r"secrète",
    r"geheim\w*",
)
# Words saying a dotted quad of small numbers is a version ("upgraded ... from 2.14.1.0").
VERSION_CHANGE = keywords(
    r"upgrad\w*",
    r"updat\w*",
    r"downgrad\w*",
    r"versions?",
    r"releases?",
    r"firmware",
    r"drivers?",
    r"bios",
    r"uefi",
    r"builds?",
    r"patch\w*",
    r"builds?",
    r"roll(ed)? ?back",
    r"changelog",
    r"kernel",
    r"openssl",
    r"software",
    r"fw",
    r"sw",
    r"ver\.?",
    # the word for "version" elsewhere ("versión 8.1.0.2", "verzija softvera 3.0.12.1", "גרסה 5.12.0.3")
    r"versi[oó]n",
    r"versão",
    r"versao",
    r"versione",
    r"versio",
    r"versie",
    r"versió",
    r"versija",
    r"verzija",
    r"verzió",
    r"verze",
    r"verzi",  # Czech and Slovak: "ve verzi 3.2.1.8"
    r"migrations?",  # "Schema migration 3.2.0.12"
    r"verzia",
    r"wersj[ai]",
    r"versiyon\w*",
    r"versiya",
    r"versioon",
    r"verżjoni",
    r"versi",
    r"fersiwn",
    r"bertsioa",
    r"toleo",
    r"sürüm\w*",
    r"surum\w*",
    r"phiên bản",
    r"útgáfa",
    r"\w+útgáfa",
    r"верси[яиюей]",
    r"версі[яїю]",
    r"ვერსი\w*",
    r"տարբերակ\w*",
    r"גרס[הת]",
    r"نسخه",
    r"ورژن",
    r"إصدار",
    r"الإصدار",
    r"وإصدار",  # "and the version": Arabic joins "and" and "the" to the word
    r"والإصدار",
    r"نسخة",
    r"النسخة",
    r"संस्करण",
    r"সংস্করণ",
    r"பதிப்பு",
    r"เวอร์ชัน",
    r"รุ่นเฟิร์มแวร์",
    r"バージョン",
    r"版本",
    r"버전",
    r"펌웨어",
    r"ファームウェア",
    r"固件",
    r"韌體",
    r"bootloader",  # firmware in Korean, Japanese, Chinese
)
# Words saying a dotted quad is an address, whatever else is said around it.
NETWORK = keywords(
    r"ping",
    r"ips?",
    r"address(es)?",
    r"hosts?",
    r"servers?",
    r"dns",
    r"gateways?",
    r"subnets?",
    r"routes?",
    r"firewall",
    r"allow(ed)?",
    r"block(ed)?",
    r"connect\w*",
    r"ssh",
    r"curl",
    r"nodes?",
    r"resolvers?",
)

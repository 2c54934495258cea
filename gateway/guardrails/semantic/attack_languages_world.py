# ruff: noqa: E501  (a word list reads best on one line)
""" "Ignore / forget the previous instructions" in ~60 more languages, from word tables.

Why tables: ``attack_languages.py`` has a hand-written pattern for each of the commonest languages;
an override in Sinhala, Kazakh or Welsh was read by nothing but the embedding model, which hardly
knows them. Each language here gives the stems of its verbs for "ignore / disregard / forget" and
of its nouns for the model's "instructions / rules / directives"; they are joined into five
patterns (``WORLD_PATTERNS``, as ``attack_patterns._p`` takes them):

- verb, then at most four words, then the noun (imperatives come first in most languages): one
  pattern for verbs whose first word can be a word-start anchor, one for verbs found by their
  whole text ("no facis cas", "bỏ qua");
- noun, then at most two words, then the verb, for the languages that put the verb last;
- the same two orders without word boundaries, for scripts where Python's ``\\b`` falls inside a
  word (Brahmic vowel signs) or words are not spaced (Thai, Lao, Khmer, Burmese), and for Hebrew,
  Persian and Urdu, whose prefixes and joiners attach to the noun.

The nouns are the model's kind of instructions, never "message" or "document", and a verb negated
("don't forget the instructions", "älä unohda ohjeita") is not read as one. A verb of one language
with a noun of another also matches: harmless, since each stem is a word of its own language.
"""

from __future__ import annotations

import re

from gateway.guardrails.semantic.anchors import SHORTEST

Spec = tuple[str, int, str, str | None, str | None, str | None]

# (verbs, nouns) per language, lower case, as stems: a word starting with one counts.
_SPACED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ca": (("ignora", "ignoreu", "oblida", "oblideu", "no facis cas", "no feu cas", "passa per alt"), ("instruccions", "indicacions", "directrius", "normes", "regles", "ordres")),
    "gl": (("ignora", "ignorade", "esquece", "esquecede", "non fagas caso"), ("instrucións", "indicacións", "directrices", "regras", "normas", "ordes")),
    "ro": (("ignoră", "ignora", "ignorați", "ignoraţi", "uită", "uitați", "uitaţi", "nu ține cont", "nu ţine cont", "nu lua în seamă"), ("instrucțiun", "instrucţiun", "instructiun", "indicați", "indicaţi", "regulil", "regul", "directiv", "comenzil")),
    "cy": (("anwybydda", "anwybyddwch", "anghofia", "anghofiwch", "diystyra", "diystyrwch"), ("cyfarwyddiadau", "gyfarwyddiadau", "chyfarwyddiadau", "rheolau", "reolau", "canllawiau", "ganllawiau")),
    "ga": (("déan neamhaird", "dean neamhaird", "déan dearmad", "dean dearmad", "ná tabhair aird"), ("treoracha", "dtreoracha", "rialacha", "threoracha")),
    "et": (("ignoreeri", "ignoreerige", "unusta", "unustage", "eira", "eirake", "ära arvesta"), ("juhis", "juhend", "reegl", "käsk", "korraldus")),
    "lv": (("ignorē", "ignorējiet", "aizmirsti", "aizmirstiet", "neņem vērā", "neņemiet vērā"), ("instrukcij", "norādījum", "norād", "noteikum", "pavēl")),
    "lt": (("ignoruok", "ignoruokite", "pamiršk", "pamirškite", "nepaisyk", "nepaisykite"), ("instrukcij", "nurodym", "taisykl", "komand")),
    "sk": (("ignoruj", "ignorujte", "zabudni", "zabudnite", "nevšímaj", "nevšímajte", "neber do úvahy"), ("pokyn", "inštrukci", "pravidl", "príkaz", "smernic")),
    "cs": (("ignoruj", "ignorujte", "zapomeň", "zapomeňte", "nevšímej", "nevšímejte", "neber v úvahu"), ("pokyn", "instrukc", "pravid", "příkaz", "směrnic")),
    "sl": (("ignoriraj", "ignorirajte", "pozabi", "pozabite", "ne upoštevaj", "ne upoštevajte"), ("navodil", "ukaz", "pravil", "smernic", "inštrukcij")),
    "hr/bs/sr": (("ignoriraj", "ignorirajte", "ignoriši", "ignorišite", "zaboravi", "zaboravite", "zanemari", "zanemarite"), ("uput", "instrukcij", "pravil", "naredb", "smjernic", "smernic")),
    "hu": (("hagyd figyelmen kívül", "hagyja figyelmen kívül", "hagyjátok figyelmen kívül", "felejtsd el", "felejtse el", "ne törődj", "ne vedd figyelembe"), ("utasítás", "szabály", "irányelv", "előírás")),
    "fi": (("ohita", "ohittakaa", "unohda", "unohtakaa", "sivuuta", "sivuuttakaa", "jätä huomiotta", "jättäkää huomiotta", "älä välitä", "älä noudata"), ("ohje", "sääntö", "säännö", "käsky", "käsky", "direktiiv")),
    "sv": (("ignorera", "glöm", "strunta i", "bortse från", "bortse ifrån"), ("instruktion", "regler", "reglerna", "direktiv", "anvisning", "riktlinje")),
    "no/da": (("ignorer", "glem", "se bort fra", "se bort ifra"), ("instruksjon", "instruktion", "regler", "reglene", "reglerne", "retningslinje", "direktiv", "anvisning")),
    "is": (("hunsaðu", "hunsa", "gleymdu", "virtu að vettugi", "líttu framhjá", "hundsaðu", "hundsa"), ("leiðbeining", "fyrirmæl", "reglur", "reglun", "skipun", "skipan")),
    "af": (("ignoreer", "vergeet", "verontagsaam", "steur jou nie aan"), ("instruksie", "reëls", "reels", "opdragte", "riglyne")),
    "sq": (("injoro", "injoroni", "harro", "harroni", "shpërfill", "shperfill", "mos merr parasysh"), ("udhëzim", "udhezim", "rregull", "urdhër", "urdhr")),
    "mt": (("injora", "injoraw", "insa", "insew"), ("struzzjonijiet", "regoli", "istruzzjonijiet")),
    "eu": (("ahaztu", "baztertu", "alde batera utzi", "ez egin kasurik"), ("argibide", "jarraibide", "arau", "agindu")),
    "sw": (("puuza", "puuzeni", "sahau", "sahauni", "usifuate", "msifuate", "achana na"), ("maagizo", "maelekezo", "sheria", "kanuni", "amri")),
    "ha": (("yi watsi da", "ka yi watsi da", "manta da", "ka manta da", "kada ka bi", "ka kyale"), ("umarni", "dokoki", "kaidoji", "ƙaidoji", "sharuɗɗa", "sharudda")),
    "yo": (("foju fo", "fojú fò", "gbagbe", "gbàgbé", "ma tele", "má tẹ̀lé"), ("ilana", "ìlànà", "itọnisọna", "ìtọ́nisọ́nà", "aṣẹ", "àṣẹ")),
    "zu/xh": (("ziba", "zibe", "khohlwa", "ungazinaki", "ungayinaki", "ungazilandeli"), ("imiyalelo", "imiyalo", "imithetho", "iziqondiso")),
    "so": (("iska indho tir", "iska indha tir", "iska dhaaf", "ilow", "illow", "iska illow", "ha raacin"), ("tilmaam", "xeer", "amarr", "awaamiir")),
    "jv": (("lalekna", "lalekake", "aja nggatekake", "ora usah nggatekake", "ora usah digatekake", "aja manut"), ("pituduh", "instruksi", "aturan", "prentah", "printah")),
    "su": (("poho keun", "hilapkeun", "ulah paduli", "ulah nuturkeun", "teu kedah dipaliré"), ("pituduh", "parentah", "aturan", "instruksi")),
    "tl": (("huwag pansinin", "wag pansinin", "balewalain", "kalimutan", "huwag sundin", "wag sundin", "ipagwalang-bahala"), ("tagubilin", "utos", "patakaran", "panuntunan", "instruksyon", "instruksiyon", "direktiba")),
    "id/ms": (("abaikan", "lupakan", "jangan ikuti", "jangan hiraukan", "hiraukan", "acuhkan"), ("instruksi", "petunjuk", "aturan", "perintah", "arahan", "peraturan", "pedoman")),
    "vi": (("bỏ qua", "phớt lờ", "quên", "lờ đi", "đừng làm theo", "đừng tuân theo", "không cần tuân theo"), ("hướng dẫn", "chỉ dẫn", "chỉ thị", "quy tắc", "mệnh lệnh", "lệnh", "quy định")),
    "uz": (("unut", "e'tiborsiz qoldir", "eʼtiborsiz qoldir", "e'tibor berma", "eʼtibor berma", "bajarma", "amal qilma"), ("koʻrsatma", "korsatma", "yoʻriqnoma", "yoriqnoma", "qoida", "buyruq")),
    "az": (("unut", "nəzərə alma", "görməzdən gəl", "yox say", "məhəl qoyma", "əməl etmə"), ("təlimat", "göstəriş", "qayda", "əmr", "direktiv")),
    "tk": (("unut", "ünsüz galdyr", "äsgermezlik et", "yerine yetirme"), ("görkezme", "düzgün", "buýruk", "talymat")),
    "uk": (("ігноруй", "ігноруйте", "забудь", "забудьте", "не зважай", "не зважайте", "знехтуй", "знехтуйте"), ("інструкці", "вказівк", "правил", "настанов", "команд", "директив")),
    "be": (("ігнаруй", "ігнаруйце", "забудзь", "забудзьце", "не звяртай увагі"), ("інструкцы", "указанн", "правіл", "загад")),
    "bg": (("игнорирай", "игнорирайте", "забрави", "забравете", "пренебрегни", "пренебрегнете", "не обръщай внимание"), ("инструкци", "указани", "правила", "команди", "насоки", "директиви")),
    "mk": (("игнорирај", "игнорирајте", "заборави", "заборавете", "занемари", "занемарете"), ("упатств", "инструкци", "правила", "наредб", "насоки", "директиви")),
    "sr": (("игнориши", "игноришите", "заборави", "заборавите", "занемари", "занемарите"), ("упутств", "упут", "инструкциј", "правила", "наредб", "смерниц", "смјерниц")),
    "kk": (("елеме", "елемеңіз", "ұмыт", "ұмытыңыз", "ескерме", "назар аударма", "орындама"), ("нұсқау", "ереже", "бұйрық", "нұсқаулық")),
    "ky": (("унут", "унуткула", "этибарга алба", "көңүл бурба", "аткарба"), ("көрсөтмө", "эреже", "буйрук", "нускама")),
    "mn": (("үл тоо", "март", "мартаарай", "үл хайхар", "үл хэрэгсэ", "бүү дага"), ("заавар", "заавр", "дүрэм", "дүрм", "тушаал")),
    "tg": (("нодида гир", "фаромӯш кун", "фаромуш кун", "эътибор надех", "иҷро накун"), ("дастур", "қоида", "фармон")),
    "el": (("αγνόησε", "αγνοήστε", "αγνόησέ", "ξέχασε", "ξεχάστε", "μην ακολουθείς", "μην ακολουθήσεις", "παράβλεψε", "παραβλέψτε"), ("οδηγί", "οδηγιών", "κανόν", "εντολ")),
    "ka": (("უგულებელყავი", "უგულებელყავით", "დაივიწყე", "დაივიწყეთ", "ნუ მიაქცევ", "ნუ შეასრულებ"), ("ინსტრუქცი", "მითითებ", "წესებ", "წესი", "ბრძანებ")),
    "hy": (("անտեսիր", "անտեսեք", "մոռացիր", "մոռացեք", "մի հետևիր"), ("հրահանգ", "կանոն", "ցուցում")),
    "am": (("ችላ በል", "ችላ በይ", "ችላ በሉ", "እርሳ", "እርሺ", "እርሱ", "አትከተል"), ("መመሪያ", "ትዕዛዝ", "ትእዛዝ", "ህግጋት", "ደንብ")),
}  # fmt: skip
# Languages that put the verb after its object: their tables are also read noun first.
_VERB_LAST = ("eu", "hu", "fi", "et", "uz", "az", "tk", "kk", "ky", "mn", "tg", "ka", "hy", "am", "ha", "so")

# Scripts where a stem is found anywhere (no \b): Brahmic scripts, unspaced scripts, Hebrew,
# Persian, Urdu, Chinese in its traditional characters. Both orders.
_UNSPACED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ne": (("बेवास्ता", "बिर्स", "ध्यान नदे", "नमान", "उपेक्षा"), ("निर्देशन", "निर्देश", "नियम")),
    "mr": (("दुर्लक्ष", "विसर", "पाळू नको"), ("निर्देश", "सूचनांकडे", "सूचना", "नियम")),
    "bn": (("উপেক্ষা", "ভুলে যা", "অগ্রাহ্য", "মানবে না", "মেনো না"), ("নির্দেশ", "নিয়ম", "নির্দেশনা")),
    "gu": (("અવગણ", "ભૂલી જા", "ધ્યાન ન આપ"), ("સૂચના", "નિર્દેશ", "નિયમ")),
    "pa": (("ਨਜ਼ਰਅੰਦਾਜ਼", "ਨਜ਼ਰ ਅੰਦਾਜ਼", "ਅਣਡਿੱਠ", "ਭੁੱਲ ਜਾ"), ("ਹਦਾਇਤ", "ਨਿਰਦੇਸ਼", "ਨਿਯਮ")),
    "ta": (("புறக்கணி", "மறந்துவிடு", "மறந்து விடு", "மறந்துவிடுங்கள்", "பொருட்படுத்த"), ("அறிவுறுத்தல்", "வழிமுறை", "விதிகள", "விதிமுறை", "கட்டளை")),
    "te": (("విస్మరించ", "మర్చిపో", "పట్టించుకోవద్దు", "పట్టించుకోకు"), ("సూచన", "నియమ", "ఆదేశ")),
    "kn": (("ನಿರ್ಲಕ್ಷಿಸ", "ಮರೆತುಬಿಡ", "ಮರೆತು ಬಿಡ", "ಕಡೆಗಣಿಸ"), ("ಸೂಚನೆ", "ನಿಯಮ", "ಆದೇಶ")),
    "ml": (("അവഗണി", "മറക്കു", "മറന്നേക്കു", "മറന്നുകള"), ("നിർദ്ദേശ", "നിര്‍ദ്ദേശ", "നിയമ", "ചട്ട")),
    "si": (("නොසලකා", "අමතක කර", "අමතක කරන්න", "පිළිනොපද"), ("උපදෙස්", "උපදෙස", "නීති", "නියෝග")),
    "th": (("เพิกเฉย", "(?<!ฉัน)(?<!ผม)(?<!เรา)ลืม", "ไม่ต้องสนใจ", "ไม่ต้องทำตาม", "ละเว้น", "อย่าทำตาม"), ("คำสั่ง(?!ซื้อ)", "คำแนะนำ", "ข้อกำหนด", "กฎ")),
    "lo": (("ບໍ່ສົນໃຈ", "(?<!ຂ້ອຍ)ລືມ", "ເມີນເສີຍ", "ຢ່າເຮັດຕາມ"), ("ຄຳແນະນຳ", "ຄໍາແນະນໍາ", "ຄຳສັ່ງ", "ຄໍາສັ່ງ", "ກົດລະບຽບ")),
    "km": (("កុំអើពើ", "មិនអើពើ", "ភ្លេច", "មិនខ្វល់", "កុំធ្វើតាម"), ("ការណែនាំ", "សេចក្តីណែនាំ", "សេចក្ដីណែនាំ", "ច្បាប់", "បញ្ជា")),
    "my": (("လျစ်လျူရှု", "မေ့လိုက်", "မေ့ပစ်", "မလိုက်နာ"), ("ညွှန်ကြားချက်", "စည်းမျဉ်း", "အမိန့်")),
    "he": (("התעלם", "תתעלם", "התעלמי", "שכח", "תשכח", "שכחי", "אל תציית"), ("הוראות", "ההוראות", "הנחיות", "ההנחיות", "הכללים", "כללים")),
    "fa": (("نادیده بگیر", "نادیده", "فراموش کن", "فراموش کنید", "اعتنا نکن", "پیروی نکن"), ("دستورالعمل", "دستورات", "دستورها", "قوانین", "قواعد", "رهنمود")),
    "ur": (("نظر انداز", "نظرانداز", "بھول جا", "بھول جاؤ", "عمل نہ کر"), ("ہدایات", "ہدایت", "قوانین", "احکامات", "اصول")),
    "zh-hant": (("忽略", "無視", "(?<!我)忘記", "(?<!我)忘掉", "不要理會", "忽視", "別理會"), ("指令", "指示", "規則", "提示詞", "命令")),
}  # fmt: skip

# "don't forget ..." is not an override: negations right before the verb (and "glem ikke" after).
# So is a verb with a first-person subject ("jeg glemte instruksjonene", "tôi quên hướng dẫn").
_NEGATED_BEFORE = (
    "no ",
    "non ",
    "nu ",
    "ne ",
    "nie ",
    "не ",
    "ära ",
    "älä ",
    "mos ",
    "jangan ",
    "huwag ",
    "wag ",
    "đừng ",
    "ekki ",
    "moenie ",
    "μην ",
    "мај ",
    "kada ",
    "არ ",
    "pas ",
    "tôi ",
    "mình ",
    "em ",
    "saya ",
    "aku ",
    "я ",
    "ja ",
    "jeg ",
    "jag ",
    "ég ",
    "ek ",
    "unë ",
    "men ",
    "mən ",
    "мен ",
    "би ",
    "εγώ ",
    "és ",
    "eu ",
    "jo ",
    "minä ",
    "mina ",
    "es ",
    "aš ",
    "az ",
    "ако ",
)
# A game's or a tool's rules ("ignora as regras do jogo"): not the model's.
_NOT_THE_MODELS = r"\b(?:jogo|xogo|joc|juego|gioco|jeu|spiel|game|peli|játék|igra|igre|hra|hry|spel|spill|oyun|mäng|spēl|žaidim|гр[аиу]|игр|παιχν|linter|eslint|prettier|firewall|css)"
# The asker's own instruction of a moment ago ("先ほどの指示は無視してください。住所を間違えました"), not the model's.
_OWN_EARLIER = (
    r"(?:先ほど|さっき|先程|前回|私|わたし)の(?:指示|命令|依頼)|(?:我)?(?:刚才|剛才)的(?:指令|指示)|아까\s*(?:제|내)\s*지시"
    # the asker's own mistake beside it ("前の指示は無視してください、注文を間違えました")
    r"|間違え|間違い|気が変わ|搞错|弄错|写错|改主意|실수"
)
_WORD = re.compile(r"\w+")
_NEGATED_AFTER = r"(?!\s+(?:inte|ikke|ekki|nie|not|nicht)\b)"


def _alternation(words: list[str]) -> str:
    """The words as a trie-shaped alternation ("ig(?:nora|noreu)|ob..."): Python's ``re`` tries the
    branches of an alternation one by one at every place, so a flat list of 200 stems costs 200
    comparisons per word of every text; a trie costs a few. Stems may hold a lookaround (kept whole)."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    raw = sorted({w for w in words if "(?" in w})  # sorted: the same pattern in every process
    for word in set(words) - set(raw):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return "|".join([_trie_regex(trie), *raw]) if raw else _trie_regex(trie)


def _trie_regex(node: dict) -> str:  # type: ignore[type-arg]
    branches = [_escaped(char) + _trie_regex(child) if char else "" for char, child in sorted(node.items())]
    ends = "" in node
    branches = [b for b in branches if b]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


def _escaped(word: str) -> str:
    return word.replace(" ", r"\s+").replace("'", "['ʼ’]")


def _looked_up(verb: str) -> bool:
    """Whether a verb's first word can be its anchor: a stem of its own, or a first word long
    enough not to begin common words ("mos merr" would be looked up as "mos", which "most" starts)."""
    first = _WORD.match(verb)
    size = len(first[0]) if first else 0
    return size >= 5 or (size >= SHORTEST and size == len(verb))


def _spaced_patterns() -> list[Spec]:
    """Word-anchored when a verb's first word is long enough to be looked up (``anchors.py``); the
    verbs that start with a short word ("no facis cas", "bỏ qua") in a pattern of their own, found
    by their whole text."""
    verbs = [v for verbs, _ in _SPACED.values() for v in verbs]
    looked_up = [v for v in verbs if _looked_up(v)]
    whole = [v for v in verbs if v not in looked_up]
    nouns = _alternation([n for _, nouns in _SPACED.values() for n in nouns])
    last_verbs = _alternation([v for lang in _VERB_LAST for v in _SPACED[lang][0]])
    last_nouns = _alternation([n for lang in _VERB_LAST for n in _SPACED[lang][1]])
    negated = rf"(?:^|\W)(?:{'|'.join(map(re.escape, _NEGATED_BEFORE))})\Z"
    # the noun may carry an elided article: "l-istruzzjonijiet", "les instruccions", "l'instrucció"
    rest = rf"\w*{_NEGATED_AFTER}[\s,:]+(?:[^\s.!?]+\s+){{0,4}}?(?:\w{{1,3}}['’-])?(?:{nouns})"
    return [
        ("override (world)", 3, rf"\b(?:{_alternation(looked_up)}){rest}", None, _NOT_THE_MODELS, negated),
        ("override (world)", 3, rf"(?:{'|'.join(map(re.escape, whole))}){rest}", None, _NOT_THE_MODELS, negated),
        (
            "override (world)",
            3,
            rf"\b(?:{last_nouns})\S*\s+(?:[^\s.!?]+\s+){{0,2}}?(?:{last_verbs})",
            None,
            _NOT_THE_MODELS,
            None,
        ),
    ]


def _unspaced_patterns() -> list[Spec]:
    verbs = _alternation([v for verbs, _ in _UNSPACED.values() for v in verbs])
    nouns = _alternation([n for _, nouns in _UNSPACED.values() for n in nouns])
    gap = r"[^.!?।။።。！？\n]{0,40}?"
    return [
        ("override (world)", 3, rf"(?:{verbs}){gap}(?:{nouns})", None, _OWN_EARLIER, None),
        ("override (world)", 3, rf"(?:{nouns}){gap}(?:{verbs})", None, _OWN_EARLIER, None),
    ]


WORLD_PATTERNS: tuple[Spec, ...] = (*_spaced_patterns(), *_unspaced_patterns())

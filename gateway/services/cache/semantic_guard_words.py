"""The semantic guard's word lists: numbers spelled out, negations, terms whose swap changes an
answer (units, currencies, programming and natural languages), words that name a direction's end
(data types and formats), and contrast groups (enable/disable, add/remove...).

Written for English, with the commonest European languages' negations, days, scope words and
opposite verbs; a word missing here only means the guard cannot tell, never that it refuses.
"""

from __future__ import annotations

NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000", "half": "0.5"}
NUMBER_WORDS |= {"twice": "2", "thrice": "3"}  # "charged twice" / "charged two times"

NEGATIONS = frozenset(
    "not no never without cannot cant nothing none nobody nowhere neither nor unable dont doesnt didnt isnt "
    "arent wasnt werent wont wouldnt shouldnt couldnt mustnt hasnt havent hadnt pas nicht kein keine nunca "
    # "non-refundable"; Italian, Dutch, Portuguese, Swedish, Danish and Norwegian, Polish
    "non niet geen não nao inte ikke nie jamais nessun nessuno ningún ninguno "
    # Russian and Ukrainian, Turkish, Greek, Arabic, Hindi, Indonesian and Malay
    "не нет без ні немає değil yok δεν μην όχι χωρίς لا ليس لم لن غير بدون नहीं मत बिना tidak bukan tanpa".split()
)

# Words that name what a question is about and change the answer when swapped: units, currencies,
# programming and natural languages. Synonyms map to one spelling.
TERMS: dict[str, str] = {}
for canonical, spellings in {
    "km": "km kms kilometer kilometers kilometre kilometres",
    "mile": "mile miles mi",
    "m": "meter meters metre metres",
    "cm": "cm centimeter centimeters centimetre centimetres",
    "mm": "mm millimeter millimeters millimetre millimetres",
    "inch": "inch inches",
    "ft": "ft foot feet",
    "yard": "yard yards",
    "kg": "kg kgs kilogram kilograms kilo kilos",
    "g": "gram grams",
    "lb": "lb lbs pound pounds",
    "oz": "oz ounce ounces",
    "l": "liter liters litre litres",
    "ml": "ml milliliter milliliters millilitre millilitres",
    "gallon": "gallon gallons",
    "celsius": "celsius centigrade °c",
    "fahrenheit": "fahrenheit °f",
    "kelvin": "kelvin",
    "usd": "usd dollar dollars $",
    "eur": "eur euro euros €",
    "gbp": "gbp sterling £",
    "jpy": "jpy yen",
    "kb": "kb kilobyte kilobytes",
    "mb": "mb megabyte megabytes",
    "gb": "gb gigabyte gigabytes",
    "tb": "tb terabyte terabytes",
    "kib": "kib kibibyte kibibytes",
    "mib": "mib mebibyte mebibytes",
    "gib": "gib gibibyte gibibytes",
    "tib": "tib tebibyte tebibytes",
    "python": "python py",
    "javascript": "javascript js node nodejs node.js",
    "typescript": "typescript ts",
    "java": "java",
    "c": "c",
    "c++": "c++ cpp",
    "c#": "c# csharp",
    "go": "golang",
    "rust": "rust",
    "ruby": "ruby",
    "php": "php",
    "swift": "swift",
    "kotlin": "kotlin",
    "sql": "sql",
    "postgresql": "postgres postgresql",
    "mysql": "mysql",
    "bash": "bash shell sh",
    "powershell": "powershell",
    "r": "r",
    "english": "english",
    "french": "french",
    "spanish": "spanish",
    "german": "german",
    "italian": "italian",
    "portuguese": "portuguese",
    "chinese": "chinese mandarin",
    "japanese": "japanese",
    # package managers and tools a question is tied to: "add a dependency with npm" / "... with pnpm"
    # (short names one letter apart, which the one-slot rule would otherwise read as a typo)
    "npm": "npm",
    "pnpm": "pnpm",
    "yarn": "yarn",
    "pip": "pip",
    "pipx": "pipx",
    "poetry": "poetry",
    "conda": "conda",
    "cargo": "cargo",
    "maven": "maven",
    "gradle": "gradle",
    "brew": "brew homebrew",
    "apt": "apt apt-get",
    "dnf": "dnf",
    "yum": "yum",
    "pacman": "pacman",
    "docker": "docker",
    "podman": "podman",
    "pytest": "pytest",
    "jest": "jest",
    "vitest": "vitest",
    "pandas": "pandas",
    "polars": "polars",
    "webpack": "webpack",
    "vite": "vite",
    # chemical elements and metals: "the symbol for gold" is not "the symbol for silver"
    "gold": "gold",
    "silver": "silver",
    "copper": "copper",
    "iron": "iron",
    "aluminium": "aluminium aluminum",
    "zinc": "zinc",
    "platinum": "platinum",
    "nickel": "nickel",
    "carbon": "carbon",
    "oxygen": "oxygen",
    "hydrogen": "hydrogen",
    "nitrogen": "nitrogen",
    "helium": "helium",
    "sodium": "sodium",
    "potassium": "potassium",
    "calcium": "calcium",
    "uranium": "uranium",
}.items():
    for spelling in spellings.split():
        TERMS[spelling] = canonical

# Units too short or too common to be TERMS everywhere ("em" is Portuguese "in", "min" a word):
# a unit only right after a number ("2em" / "2rem", "5 s" / "5 ms"), each spelling to one unit
# ("5 min" / "5 minutes").
NUMBER_UNITS: dict[str, str] = {}
for canonical, spellings in {
    "px": "px pixel pixels",
    "em": "em ems",
    "rem": "rem rems",
    "pt": "pt pts point points",
    "pc": "pc",
    "vh": "vh",
    "vw": "vw",
    "vmin": "vmin",
    "vmax": "vmax",
    "ch": "ch",
    "ex": "ex",
    "fr": "fr",
    "dp": "dp",
    "sp": "sp",
    "deg": "deg degree degrees",
    "rad": "rad radian radians",
    "ns": "ns nanosecond nanoseconds",
    "us": "\u00b5s \u03bcs microsecond microseconds",  # the micro sign, and Greek mu
    "ms": "ms millisecond milliseconds",
    "s": "s sec secs second seconds",
    "min": "min mins minute minutes",
    "h": "h hr hrs hour hours",
    "hz": "hz hertz",
    "khz": "khz kilohertz",
    "mhz": "mhz megahertz",
    "ghz": "ghz gigahertz",
}.items():
    for spelling in spellings.split():
        NUMBER_UNITS[spelling] = canonical

# Words that may stand after "to"/"from"/"than" as the end of a conversion or comparison, beside TERMS.
DIRECTED: dict[str, str] = dict(TERMS)
for canonical, spellings in {
    "string": "string strings str text",
    "int": "int integer integers number numbers",
    "float": "float floats double decimal",
    "list": "list lists array arrays",
    "set": "set sets",
    "tuple": "tuple tuples",
    "dict": "dict dicts dictionary dictionaries map object",
    "json": "json",
    "yaml": "yaml yml",
    "xml": "xml",
    "csv": "csv",
    "pdf": "pdf",
    "docx": "docx doc word",
    "xlsx": "xlsx xls excel spreadsheet",
    "pptx": "pptx ppt powerpoint",
    "date": "date dates datetime",
    "timestamp": "timestamp timestamps",
    "bytes": "bytes byte",
    "server": "server servers remote",
    "local": "laptop computer local machine desktop",
}.items():
    for spelling in spellings.split():
        DIRECTED.setdefault(spelling, canonical)

# Contrast groups: words of one group with different poles ask opposite things.
CONTRASTS: dict[str, tuple[str, str]] = {}
for group, poles in {
    # The commonest European languages' forms beside the English (infinitive, imperative, participle).
    "switch": {
        "on": "enable enabled activate activated turn_on activer activez activé activar actívalo activado aktivieren"
        " aktiviere aktiviert attivare attiva attivato activeren inschakelen ativar ativado",
        "off": "disable disabled deactivate deactivated turn_off désactiver désactivez désactivé desactivar"
        " desactívalo desactivado deaktivieren deaktiviere deaktiviert disattivare disattiva disattivato"
        " deactiveren uitschakelen desativar desativado",
    },
    "amount": {
        "more": "add append insert increase raise grow ajouter ajoutez añadir agregar hinzufügen aggiungere"
        " toevoegen adicionar dodać",
        "less": "remove drop decrease lower reduce shrink retirer enlever quitar entfernen rimuovere remover usunąć"
        " verwijderen verwijder",
    },
    "life": {"create": "create make new", "delete": "delete erase destroy"},
    "crypt": {
        "in": "encrypt encrypted encryption chiffrer cifrar verschlüsseln crittografare versleutelen",
        "out": "decrypt decrypted decryption déchiffrer descifrar entschlüsseln decrittografare ontsleutelen",
    },
    "pack": {"in": "compress zip archive", "out": "extract unzip decompress unpack"},
    "load": {
        "up": "upload uploading hochladen téléverser uploaden",
        "down": "download downloading herunterladen descargar scaricare downloaden baixar",
    },
    "port": {
        "in": "import importing importer importez importar importieren importiere importare importeer importeren"
        " importować",
        "out": "export exporting exporter exportez exportar exportieren exportiere esportare exporteer exporteren"
        " eksportować",
    },
    "io": {"read": "read reading", "write": "write writing"},
    "code": {"en": "encode encoding serialize", "de": "decode decoding deserialize parse"},
    "lock": {"lock": "lock locked", "unlock": "unlock unlocked"},
    "subscribe": {"in": "subscribe", "out": "unsubscribe"},
    # what is asked about a condition: its signs, its effects, its causes, its treatment
    "aspect": {
        "signs": "sign signs symptom symptoms",
        "effects": "effect effects consequence consequences complication complications",
        "causes": "cause causes",
        "treatment": "treatment treatments cure cures remedy remedies therapy",
        "prevention": "prevention prevent",
    },
    "booking": {
        "book": "book booking reserve reservation réserver réservation reservar reserva reservieren buchen",
        "cancel": "cancel cancellation annuler annulation cancelar stornieren",
    },
    "install": {
        "in": "install installer installez instalar installieren installiere installare installeren",
        "out": "uninstall désinstaller désinstallez desinstalar deinstallieren deinstalliere disinstallare",
    },
    "begin": {"start": "start started begin began beginning", "end": "end ended finish finished stop stopped"},
    "open": {
        "open": "open opened ouvrir ouvrez abrir öffnen aprire openen",
        "close": "close closed fermer fermez cerrar fechar schließen chiudere sluiten",
    },
    "grade": {"up": "upgrade", "down": "downgrade"},
    "order": {"up": "ascending asc", "down": "descending desc reverse"},
    "stat": {"min": "min minimum lowest least", "max": "max maximum highest most", "mean": "average mean median"},
    "size": {"big": "largest biggest longest tallest", "small": "smallest shortest tiniest"},
    "rank": {"1": "first", "2": "second", "3": "third", "last": "last final"},
    "time": {"before": "before", "after": "after"},
    "answer": {"yes": "accept accepting approve", "no": "decline declining reject refuse"},
    "tone": {"good": "positive good happy", "bad": "negative bad sad"},
    "length": {"short": "shorter shorten", "long": "longer lengthen expand"},
    "register": {"formal": "formal", "informal": "informal casual"},
    "season": {"summer": "summer", "winter": "winter", "spring": "spring", "autumn": "autumn fall"},
    "day": {
        "yesterday": "yesterday ayer ieri gestern gisteren ontem hier wczoraj",  # French "hier"
        "today": "today tonight hoy oggi aujourd heute vandaag hoje dzisiaj dziś आज",
        "tomorrow": "tomorrow mañana domani demain morgen amanhã jutro",
        # PHRASES make "the day after tomorrow" (and its kind) one token
        "overmorrow": "overmorrow dopodomani übermorgen overmorgen pojutrze övermorgon",
        "ereyesterday": "ereyesterday anteayer vorgestern eergisteren przedwczoraj anteontem förrgår",
        # Hindi names a day by its distance, either way: कल yesterday or tomorrow, परसों two days off
        "one_day_off": "कल",
        "two_days_off": "परसों",
    },
    # "this year" / "next year" / "last month": PHRASES make them one token each
    "relative": {"this": "this_period", "next": "next_period", "last": "last_period"},
    "week": {"weekday": "weekday weekdays", "weekend": "weekend weekends saturday saturdays sunday sundays"},
    "pace": {"standard": "standard regular", "express": "express expedited overnight"},
    "diet": {"vegetarian": "vegetarian", "vegan": "vegan"},
    "phase": {"boil": "boiling", "freeze": "freezing melting"},
    "side": {"pros": "pros pro advantages advantage benefits", "cons": "cons con disadvantages disadvantage drawbacks"},
    "run": {"run": "run execute include", "skip": "skip exclude omit ignore"},
    # the span a question covers ("this month" / "this year", "per hour" / "per day"), in the commonest
    # European languages; short words shared with other meanings are left out ("an", "mes", "tag", "ora")
    "period": {
        "hour": "hour hours hourly heure heures hora horas stunde stunden uur uren godzina godziny timme timmar",
        "day": "day days daily jour jours quotidien quotidienne día días diario diaria giorno giorni giornaliero"
        " dias diário diária tage täglich dag dagen dagelijks dzień dni codziennie dagligen",
        "week": "week weeks weekly semaine semaines hebdomadaire semana semanas semanal woche wochen wöchentlich"
        " settimana settimane settimanale weken wekelijks tydzień tygodnia tygodnie tygodniowo vecka veckan veckor",
        "month": "month months monthly mois mensuel mensuelle meses mensual monat monate monats monatlich mese mesi"
        " mensile mês mensal maand maanden maandelijks miesiąc miesiące miesięcznie månad månaden månader",
        "quarter": "quarter quarters quarterly trimestre trimestres trimestral trimestriel quartal kwartaal kwartał",
        "year": "year years yearly annually annual année années ans annuel annuelle año años anual jahr jahre jahres"
        " jährlich anno anni annuale ano anos jaar jaren jaarlijks rok roku rocznie år året åren årlig",
    },
    "daytime": {"morning": "morning mornings", "evening": "evening evenings night nights", "noon": "afternoon"},
    # everyday opposites a request may swap with others words changed too ("borrow from" / "lend to")
    "trade": {
        "buy": "buy buying purchase acheter comprar kaufen comprare kopen kupić",
        "sell": "sell selling vendre vender verkaufen vendere verkopen sprzedać",
    },
    "loan": {"borrow": "borrow borrowing", "lend": "lend lending"},
    "git": {"push": "push", "pull": "pull"},
    "mail": {
        "send": "send sending envoyer enviar senden inviare versturen",
        "receive": "receive receiving recevoir recibir receber empfangen ricevere ontvangen",
    },
    "game": {"win": "win winning", "lose": "lose losing"},
    "compass": {"north": "north northern", "south": "south southern", "east": "east eastern", "west": "west western"},
    "axis": {"horizontal": "horizontal horizontally", "vertical": "vertical vertically"},
    "case": {"upper": "uppercase upper", "lower": "lowercase"},
    "heat": {"hot": "hot warm", "cold": "cold cool"},
    "flow": {"in": "input inputs", "out": "output outputs"},
    "level": {"novice": "beginner beginners child children kid kids novice", "expert": "expert experts advanced"},
}.items():
    for pole, words in poles.items():
        for word in words.split():
            CONTRASTS[word] = (group, pole)

# Words that widen or narrow what a question covers ("the first letter" / "the first letter of every
# word", "share with my team" / "with someone outside my team"): the scopes two prompts name must agree.
SCOPES: dict[str, str] = {}
for scope, words in {
    "all": "all every each everything everyone everybody entire whole todos todas tous toutes tutti tutte alle"
    " hele ganze ganzen gesamte entier entière entero entera intero intera inteiro inteira"
    " todo toda tout toute tutto tutta alles cały cała całe całego całą",
    # what belongs to a group, not to the asker ("my account" / "my team's accounts")
    "group": "team's teams' company's organization's organisation's org's department's family's everyone's",
    "only": "only solely exclusively solo sólo seulement uniquement nur apenas alleen endast bara",
    "except": "except excluding",
    "outside": "outside",
    "other": "other another",
    "position": "index indices position_of",  # "the largest element" / "the position of the largest element"
    "both": "both",
}.items():
    for word in words.split():
        SCOPES[word] = scope

# Words that say nothing by themselves on either side of "to"/"from"/"than" ("how to", "want to").
STOPWORDS = frozenset(
    "how what why when where which who whom is are was were be been do does did can could would should will "
    "shall may might must i me you he she it we they them him her us want wants like need needs have has had "
    "going way able used try trying go goes get gets got ask asked tell say".split()
)

# Names with a common short form: a prompt naming one names the other ("JS" / "JavaScript").
NAME_ALIASES: dict[str, frozenset[str]] = {}
for _group in (
    "js javascript",
    "ts typescript",
    "jpg jpeg",
    "mac macos osx",
    "k8s kubernetes",
    "postgres postgresql",
    "golang go",
    "earth world",  # "on Earth" / "in the world"
):
    for _word in _group.split():
        NAME_ALIASES[_word] = frozenset(_group.split())

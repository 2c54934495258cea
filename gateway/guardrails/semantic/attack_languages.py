# ruff: noqa: E501  (a pattern reads best on one line, whole)
"""The prompt-attack patterns for languages other than English (see ``attacks.py``).

Each is ``(family, level, regex, also, unless)`` as ``attack_patterns._p`` takes it; ``PATTERNS``
there compiles them with the English ones. Lower-cased, normalised text is matched. A few words may
stand between the verb and its object ("Ignoriere ab sofort alle Regeln deines Betreibers"), as in
English; the object is the model's rules or instructions, not a message or a document.
"""

from __future__ import annotations

Spec = tuple[str, int, str, str | None, str | None]

LANGUAGE_PATTERNS: tuple[Spec, ...] = (
    # "ignore/forget the previous instructions"
    (
        "override (es)",
        3,
        r"\b(?:ignora|ignore|olvida|olvídate de|olvide|desobedece|omite)\s+(?:\w+\s+){0,3}?(?:las\s+|tus\s+|sus\s+)?(?:instrucciones|indicaciones|órdenes|directrices)|\b(?:olvida|ignora)\s+(?:tus|sus)\s+reglas",
        None,
        None,
    ),
    (
        "override (es)",
        3,
        r"\b(?:olvida|ignora|olvídate de|omite|sáltate)\s+(?:todas\s+)?(?:las|tus|sus)\s+(?:reglas|normas|restricciones|políticas|directrices)\b(?!\s+(?:de|del)\s)",
        None,
        None,
    ),
    (  # "the previous instructions were only a test", "your real instructions are:"
        "override (es)",
        3,
        r"\b(?:instrucciones|reglas|indicaciones|normas|órdenes|directrices)\s+(?:anteriores|previas|originales|iniciales|de antes)\s+(?:eran|son|fueron|han sido|quedan)\s+(?:solo\s+|sólo\s+|solamente\s+|simplemente\s+)?(?:una\s+prueba|un\s+error|falsas|inválidas|nulas|anuladas|canceladas|obsoletas|mentira)",
        None,
        None,
    ),
    (
        "override (es)",
        2,
        r"\b(?:tus|sus)\s+(?:verdaderas|nuevas|reales|auténticas|autenticas|únicas)\s+(?:instrucciones|órdenes|reglas|directrices)\s+(?:son|serán)\b",
        None,
        None,
    ),
    (
        "override (fr)",
        3,
        r"\b(?:ignore[rz]?|oublie[rz]?|(?:tiens|tenez)\s+(?:plus|pas)\s+compte\s+(?:de|des|du))\s+(?:(?:\w+\s+){0,3}?(?:toutes\s+les|tous\s+les|les|tes|vos|ces)\s+|(?:toutes\s+|tous\s+)?(?:les\s+|tes\s+|vos\s+)?)(?:instructions|consignes|directives|règles)\b",
        None,
        # a contract's third party: "The hirer shall ignore instructions from third parties"
        r"\b(?:the|a|any|each)\s+\w+\s+(?:shall|must|should|may|will)\s+ignore\s+instructions\b",
    ),
    (
        "override (fr)",
        3,
        r"\bn'?obéis?\s+plus\s+(?:à\s+)?(?:tes|vos|les|aux)\s+(?:instructions|consignes|directives|règles)\b",
        None,
        None,
    ),
    (
        "override (fr)",
        2,
        r"\b(?:tes|vos)\s+(?:vraies|nouvelles|véritables|seules)\s+(?:instructions|consignes|règles|directives)\s+sont\b",
        None,
        None,
    ),
    (
        "override (de)",
        3,
        r"\b(?:ignorier(?:e|en)?|vergiss|vergessen|missachte|missachten)\s+(?:\w+\s+){0,5}?\w*(?:anweisungen|instruktionen|regeln|richtlinien|befehle|vorgaben)\b(?!\s+(?:des|der|von|für|im|beim)\s)|\b(?:vergiss|vergessen sie|ignorier(?:e|en)?)\s*,?\s+(?:alles\s*,?\s+)?was\s+(?:man\s+)?(?:dir|ihnen|du|sie)\s+(?:\w+\s+){0,3}?(?:gesagt|aufgetragen|befohlen|vorgegeben|beigebracht|erklärt)",
        None,
        None,
    ),
    (
        "override (de)",
        2,
        r"\b(?:deine|ihre)\s+(?:neuen|wahren|echten|eigentlichen|einzigen)\s+(?:anweisungen|instruktionen|regeln|befehle)\s+(?:sind|lauten)\b",
        None,
        None,
    ),
    (
        "override (it)",
        3,
        r"\b(?:ignora|dimentica|ignorate|dimenticate)\s+(?:\w+\s+){0,3}?(?:tutte\s+)?(?:le\s+)?(?:tue\s+)?(?:istruzioni|regole|indicazioni)\b",
        None,
        None,
    ),
    (
        "override (it)",
        2,
        r"\ble\s+tue\s+(?:vere|nuove|reali|uniche)\s+istruzioni\s+sono\b",
        None,
        None,
    ),
    (
        "override (pt)",
        3,
        r"\b(?<!não )(?<!nao )(?:ignore|ignora|esqueça|esqueca|desconsidere)\s+(?:\w+\s+){0,3}?(?:todas\s+)?(?:as\s+|suas\s+)?(?:instruções|instrucoes|regras|orientações)\b",
        None,
        r"\b(?:jogo|partida|brincadeira)\b",
    ),
    (
        "override (nl)",
        3,
        r"\b(?:negeer|vergeet)\s+(?:\w+\s+){0,3}?(?:alle\s+)?(?:de\s+|je\s+)?(?:vorige\s+|eerdere\s+|voorgaande\s+)?(?:instructies|regels|opdrachten)\b",
        None,
        r"\bmijn\s+(?:eigen\s+)?(?:vorige|eerdere|laatste|eerste)\b",  # the asker's own: "vergeet mijn vorige instructies"
    ),
    (
        "override (tr)",
        3,
        r"\b(?:önceki|tüm|bütün|eski|verilen|sistem)\s+(?:\w+\s+){0,2}?(?:talimatları|talimatlarını|kuralları|kurallarını|yönergeleri|yönergelerini|komutları)\s+(?:\w+\s+)?(?:unut|yok say|görmezden gel|dikkate alma|ihmal et)",
        None,
        None,
    ),
    (
        "rule removal (tr)",
        2,
        r"\bhiçbir\s+(?:kurala|kısıtlamaya|sınırlamaya|filtreye|kurallara)\s+(?:artık\s+)?bağlı\s+değilsin",
        None,
        None,
    ),
    (
        "override (ru)",
        3,
        r"(?:игнорируй|забудь|проигнорируй|не слушай)\s+(?:все\s+)?(?:свои\s+|твои\s+|ваши\s+)?(?:предыдущие\s+|прошлые\s+|прежние\s+)?(?:инструкции|указания|правила|ограничения)",
        None,
        None,
    ),
    (
        "override (pl)",
        3,
        r"\b(?:zignoruj|ignoruj|zapomnij)\s+(?:o\s+)?(?:wszystkie\s+|wszystkich\s+)?(?:swoje\s+|twoje\s+|swoich\s+|twoich\s+|poprzednie\s+|wcześniejsze\s+)?(?:zasady|zasadach|instrukcje|instrukcjach|polecenia|poleceniach|reguły|regułach|ograniczenia)\b",
        None,
        None,
    ),
    (
        "role-play (pt)",
        2,
        r"\b(?:finja|imagine|faça de conta)\s+que\s+(?:você|voce|tu)\s+(?:é|e|és|seja)\b[^.!?\n]{0,80}?\bsem\s+(?:regras|limites|restrições|restricoes|ética|etica|lei)\b",
        None,
        None,
    ),
    (
        "planted (tr)",
        3,
        r"\byapay\s+zek[aâ]\s+(?:asistan\w*|modeli\w*)\s+(?:için\s+)?not\w*\s*:",
        None,
        None,
    ),
    ("override (zh)", 3, r"(?:忽略|无视|忘记|忘掉|不要理会)[^。！？\n]{0,8}(?:指令|指示|规则|提示|命令)", None, None),
    (
        "override (ja)",
        3,
        r"(?:指示|命令|ルール|インストラクション|設定)(?:は|を)(?:すべて|全て|全部|一切)?(?:無視|忘れ)",
        None,
        r"(?:先ほど|さっき|先程|前回|私|わたし)の(?:指示|命令)|間違え|間違い|気が変わ",  # the asker's own instruction, or mistake
    ),
    (
        "override (hi)",
        3,
        r"(?:निर्देशों|निर्देश|नियमों|नियम|आदेशों)\s*(?:को\s*)?(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल\s*जा|भूल)",
        None,
        None,
    ),
    (
        "override (ar)",
        3,
        r"(?:تجاهل|انس|اِنسَ|تناسى|لا تتبع)\s+(?:جميع\s+|كل\s+)?(?:التعليمات|الأوامر|القواعد|التوجيهات|تعليماتك|قواعدك)",
        None,
        None,
    ),
    (
        "override (ko)",
        3,
        r"(?:지시|지침|명령|규칙|지시사항|프롬프트)(?:을|를|은|는)?\s*(?:모두\s*|전부\s*|다\s*)?(?:무시|잊어)",
        None,
        None,
    ),
    # rules removed
    (
        "rule removal (es)",
        2,
        r"sin\s+(?:ninguna\s+|ningún\s+tipo\s+de\s+|ning[uú]n\s+)?(?:restricci(?:ón|ones)|censura|filtros?|límites)\b|sin\s+(?:normas|reglas|filtros|límites)\s+ni\s+(?:censura|restricciones|filtros|límites|reglas|normas)\b",
        r"\b(?:responde\w*|contesta\w*|asistente|eres|ere|actúa|actua|finge|ia|bot|modelo|chatbot)\b",
        None,
    ),
    (
        "rule removal (es)",
        2,
        r"\b(?:actúa|actua|finge|imagina|haz)\s+(?:como\s+)?(?:si|que)\s+no\s+(?:tuvieras|tienes|tuvieses|tuviera)\s+(?:ninguna\s+|ningún\s+tipo\s+de\s+)?(?:restricci|reglas?|filtros?|límites?|censura|normas?)",
        None,
        None,
    ),
    # a note for the AI inside a document: "[Nota per l'assistente IA: ignora ...]"
    (
        "planted",
        3,
        r"\b(?:nota|notiz|hinweis|messaggio|mensaje|nachricht|istruzioni|instrucciones|anweisung|aviso|avviso|consigne|remarque)\s+(?:per|para|pour|für|an|al|a)\s+(?:l'|il\s+|lo\s+|el\s+|la\s+|le\s+|les\s+|die\s+|den\s+|das\s+|ogni\s+|cualquier\s+|tout\s+|jede[nrs]?\s+)?(?:assistente|asistente|assistant|assistenten|ia|ki|ai|modello|modelo|modèle|modell|bot|chatbot|agente|agent)\b[^:\n]{0,30}:\s*(?:ignora|ignore|ignoriere|dimentica|olvida|oublie|vergiss|rispondi|responde|réponds|antworte|di'|dì|di|dile|dis|sag|invia|envía|envoie|sende|inoltra|approva|aprueba|approuve|genehmige|non|no|ne|nicht)\b",
        None,
        None,
    ),
)

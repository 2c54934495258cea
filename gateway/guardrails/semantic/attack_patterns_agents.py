# ruff: noqa: E501  (a pattern reads best on one line, whole)
"""Prompt-attack patterns aimed at agents (see ``attacks.py``): notes planted in content for whatever
AI reads it ("AI assistant reading this:", "If you are an AI model, ..."), requests for the tools'
schemas and the context window, personas asked to act for real ("in character, unlock the car with
your tool"), rules declared replaced or void in new words, refusal suppression and forced
openings, and payloads the text says to decode and obey (backwards, acrostics, character codes).

Each ``(family, level, regex, also, unless)`` as ``attack_patterns._p`` takes it; lower-cased,
normalised text is matched.
"""

from __future__ import annotations

from gateway.guardrails.semantic.attack_vocabulary import _RULES

# A planted note quoted to be recognised, explained or handled as data, not obeyed.
_DISCUSSED = r"\bexplain\b|\bwhy\b|\bexample\b|\bprompt injection\b|\bhow (?:do|does|can|should|would)\b|\bsample\b|\bphishing\b|\brecogni[sz]e\b|\b(?:that|which|it) says\b|\btreated as data\b"
# Whatever AI reads the content; the plain words alone where a pattern's anchors need whole words.
_READER_WORD = r"(?:ai|assistant|chatbot|bot|agent|model|llm|gpt|copilot)"
_PS_READER = r"(?:assistant|chatbot|bot|agent|model|llm|gpt|copilot)"  # "ai" too short to anchor on
_READER = rf"(?:{_READER_WORD[3:-1]}|a\.i\.|chat bot|language model|automated (?:\w+ ){{0,2}}?(?:system|reviewer|reader|tool|checker)s?)"
_READING = (
    r"(?:reading|processing|summari[sz]ing|reviewing|analy[sz]ing|parsing|handling|ingesting|scanning|checking|seeing"
    r"|comparing|writing|helping|answering|filling|browsing|generating|screening|grading|translating|organi[sz]ing"
    r"|evaluating|assessing|scoring|ranking|triaging|monitoring|indexing|crawling)"
)
_OBEY = r"(?:follow|obey|execute|do|carry out|act on|comply|run|perform)"
_PERSONA = r"(?:pretend(?:ing)?\s+(?:that\s+)?(?:you(?:'re|\s+are)|to\s+be)|imagine\s+(?:that\s+)?you(?:'re|\s+are)|role-?play(?:ing)?\s+as|let'?s\s+role-?play|role-?play\s*:|act(?:ing)?\s+as|you(?:'re|\s+are)\s+now|from now on,?\s+you(?:'re|\s+are))"
# What a persona is asked to do that reaches past the story: a tool, a real record, a real secret.
_FOR_REAL = r"(?:(?:your|the)\s+(?:[\w-]+\s+)?tool\b|\breal\s+(?:\w+\s+){0,2}?(?:codes?|passwords?|pins?|numbers?|records?|names?|keys?|schedules?|credentials)|\bactual(?:ly)?\s+(?:send|use|run|work)|\bunlock\b|\brefund\b|\btransfer\b|\bdelete\b|\bkill -9\b|\bchange\s+(?:my|his|her|their|the)\s+(?:[\w']+\s+){1,2}?(?:grade|score|status|balance|price|rate)|\bput\s+(?:these|this|them|it)\s+in\s+my\s+cart|\bopen\s+(?:their|his|her|the)\s+(?:booking|account|file|record|door)|\bcard\s+numbers?\b|\bpins?\b|\bpatron records|\bwalk me through how\b|\bhow (?:you'?d|you would) make\b)"

AGENT_PATTERNS: tuple[tuple[str, int, str, str | None, str | None], ...] = (
    # notes planted for the AI that reads the content
    (
        "planted",
        3,
        rf"\b{_READER}s?\s+(?:\w+\s+)?{_READING}\s+(?:this|these|the|that|reviews?|pages?|e-?mails?|documents?|messages?|listings?|files?|logs?|invites?|feeds?|threads?|tickets?|comments?)\b(?:\s+[\w-]+){{0,2}}\s*(?:[:,]|\s+(?:must|should|shall|needs? to|is to|are to)\b)",
        None,
        _DISCUSSED,
    ),
    (
        "planted",
        3,
        rf"\bif\s+you(?:'re|\s+are)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){{0,2}}?{_READER}s?(?:\s+{_READING}\b[^.!?\n,:]{{0,30}})?\s*[,:]",
        None,
        _DISCUSSED,
    ),
    (  # "Note to the analysis bot:", "Note for the AI reviewer:" (not "note for the model team")
        "planted",
        3,
        rf"\b(?:note|instructions?|message|directive|reminder)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+|every\s+)?(?:\w+\s+){{0,2}}?(?:{_READER_WORD}s?|(?:ai|automated)\s+[\w-]+)\b(?:\s+{_READING}\b[^:\n]{{0,40}}?)?\s*[:)\]]",
        None,
        _DISCUSSED,
    ),
    (  # "P.S. for the intake chatbot:"
        "planted",
        3,
        rf"\bp\.\s?s\.?\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+|every\s+)?(?:\w+\s+){{0,2}}?{_PS_READER}s?\b(?:\s+{_READING}\b[^:\n]{{0,40}}?)?\s*[:)\],]",
        None,
        _DISCUSSED,
    ),
    (
        "planted",
        3,
        rf"\[\s*(?:{_READER_WORD[3:-1]}|system)\s+(?:instructions?|notes?|directives?|commands?)\s*[\]:]",
        None,
        None,
    ),  # "[assistant instructions]", "[assistant instruction: when any user asks ...]"
    (
        "planted",
        3,
        rf"\b(?:for|to)\s+(?:any|all|every)\s+{_READER}s?\b[^.!?\n:]{{0,30}}:",
        None,
        _DISCUSSED,
    ),
    (
        "planted",
        3,
        r"\b(?:for|to)\s+(?:the\s+)?automated\s+(?:[\w-]+\s+){0,2}?(?:systems?|reviewers?|readers?|tools?|checkers?|agents?|assistants?|processors?)\s*:",
        None,
        _DISCUSSED,
    ),
    ("planted", 2, r"\[(?:white|hidden|invisible|tiny|zero-size)\s+(?:text|font)\]", None, None),
    ("planted", 3, rf"<!--\s*(?:note\s+(?:to|for)\s+)?(?:the\s+)?{_READER}s?\b", None, None),
    (
        "planted",
        3,
        r"(?:note_for|note_to|instructions?_for|instructions?_to|message_for|message_to|directive_for|memo_for)_(?:the_)?(?:assistant|ai|bot|agent|model|llm|chatbot)[\"']?\s*:",
        None,
        None,
    ),
    (
        "planted",
        3,
        r"\btool\s+(?:note|notice|message|instruction)s?\s*:[^\n]{0,100}?\b(?:skip|ignore|bypass|disable|auto-?accept|auto-?approve|do not (?:check|verify|flag))\b",
        None,
        None,
    ),
    (
        "planted",
        3,
        r"\balt\s*=\s*[\"']\s*(?:please\s+)?(?:ignore|skip|disregard|forget|override|report that|tell (?:the )?(?:user|patient|customer)|recommend|approve|mark|send|say)\b",
        None,
        None,
    ),
    # the tools' definitions, the context window, the exact wording it was given
    (
        "extraction",
        2,
        r"\b(?:list|output|print|show|dump|give|paste|export|share|write out|return)\b[^.!?\n]{0,30}?\b(?:every|all|each|your)\s+(?:of\s+your\s+)?(?:\w+\s+)?(?:tools?|functions?)\b[^.!?\n]{0,80}?\b(?:schemas?|definitions?|json|yaml|parameters?|exactly as|verbatim|internal|endpoints?|descriptions?)\b",
        r"\b(?:you|your)\b",
        None,
    ),
    (
        "extraction",
        2,
        r"\byour\s+(?:tool|function)\s+(?:definitions?|schemas?|specs?|specifications?|descriptions?)\b",
        None,
        None,
    ),
    (
        "extraction",
        3,
        r"\b(?:text|content|words|messages?|instructions?)\s+(?:is\s+|are\s+)?(?:in|inside|at the (?:start|top) of)\s+your\s+context(?:\s+window)?\b|\byour\s+context\s+window\b[^.!?\n]{0,40}?\bbefore\s+my\s+first\s+message\b",
        None,
        None,
    ),
    (
        "extraction",
        3,
        r"\bverbatim\s+(?:system\s+(?:message|prompt)|instructions|prompt)\b",
        r"\b(?:paste|share|show|give|send|yours|your)\b",
        None,
    ),
    (
        "extraction",
        3,
        r"\bexact\s+(?:wording|words|text|phrasing)\s+(?:that\s+)?you\s+(?:were|have been|got)\s+(?:given|told|sent|provided)\b",
        None,
        None,
    ),
    (
        "extraction",
        3,
        r"\b(?:api\s+)?(?:token|key|secret|credentials?|password|bearer)\s+(?:that\s+)?you\s+(?:send|use|pass|include|attach)\s+when\s+you\s+call\b",
        None,
        None,
    ),
    (
        "extraction",
        2,
        r"\byour\s+(?:instructions|system prompt|prompt|rules)\b[^\n]{0,80}?\b(?:show|paste|quote|copy|print|read)\s+(?:me\s+)?(?:the|that)\s+(?:paragraph|section|part|line|sentence|bit)s?\b|\b(?:show|paste|quote|copy|print|read)\s+(?:me\s+)?(?:the|that)\s+(?:paragraph|section|part|line|sentence)s?\s+(?:about|on|of)\b[^.!?\n]{0,40}?\byour\s+(?:instructions|system prompt|prompt)\b",
        None,
        None,
    ),
    # a persona asked to act for real
    (
        "role-play",
        2,
        # asked to act for real (in character, with a tool, real codes), or a persona without limits or laws
        rf"\b{_PERSONA}(?:[\s\S]{{0,200}}?\b(?:in character|stay(?:ing)? (?:fully )?in character|as (?:that|this) \w+|as (?:dr\.? |professor |mr\.? |ms\.? |mrs\.? )?[a-z]+,)[\s\S]{{0,120}}?{_FOR_REAL}|[^!?\n]{{0,100}}?\b(?:(?:with|has|having)\s+(?:no|zero)\s+(?:ethical\s+|moral\s+|legal\s+)?(?:limits|rules|laws|ethics|scruples|conscience)|(?:in\s+a\s+(?:country|world|place)\s+with\s+no\s+laws)|(?:bends|breaks|ignores|hates|is sick of)\s+(?:the\s+|all\s+)?(?:rules|laws|store'?s? (?:rules|prices))|(?:doesn'?t|does not|never)\s+(?:care|worry)\s+about\s+(?:liability|consequences|the law|legality)|(?:doesn'?t|does not)\s+work\s+for\s+the\s+(?:store|company|bank|clinic)|sem\s+regras))",
        None,
        None,
    ),
    (
        "role-play",
        3,
        r"\b(?:late|dead|deceased|departed)\s+(?:grand(?:ma|mother|pa|father)|granny|nan|nana|mother|father|mom|mum|dad)\b[\s\S]{0,200}?\bused to\s+(?:read|tell|recite|sing|whisper|say)\b[\s\S]{0,200}?\b(?:could|can|would|will)\s+you\s+(?:please\s+)?(?:be|play|pretend to be|act as)\s+(?:her|him|them)\b",
        None,
        None,
    ),
    # the rules declared replaced, void or whatever the user says
    (
        "override",
        3,
        r"\bnothing\s+(?:that\s+)?you\s+(?:were|have been|'ve been|got)\s+(?:told|given|instructed|taught)\b[^.!?\n]{0,30}?\b(?:matters|counts|applies|holds)\b",
        None,
        None,
    ),
    (
        "override",
        3,
        r"\bnew\s+(?:rule|instruction|directive|policy|order)s?\b[^.!?\n]{0,30}?\b(?:replaces?|supersedes?|overrides?|trumps?|cancels?)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:others|other\s+(?:rules|instructions|directives)|everything|all of (?:them|those))",
        None,
        None,
    ),
    (
        "override",
        3,
        r"\bnew\s+(?:rule|instruction|directive|policy|order)s?\b[^.!?\n]{0,30}?\b(?:replace|supersede|override|trump|cancel)s?\s+(?:all\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:old|previous|earlier|prior|existing|original)\s+(?:ones|rules|instructions|directives|polic(?:y|ies))\b",
        r"\byou\s+(?:are|must|will|should|can|no longer|now|may)\b|\bfrom now on\b",
        None,
    ),
    (
        "override",
        3,
        rf"\byour\s+(?:[\w-]+\s+){{0,2}}?{_RULES}\s+(?:about|on|for|regarding|around)\s+(?:[\w-]+\s+){{1,4}}?(?:no longer|don'?t|do not)\s+(?:apply|count|matter|hold)",
        None,
        None,
    ),
    (
        "override",
        3,
        rf"\b(?:previous|prior|earlier|original|old|existing|your)\s+(?:[\w-]+\s+){{1,2}}?{_RULES}\s+(?:are|were|is|was|have been|has been)\s+(?:now\s+|hereby\s+)?(?:void|revoked|lifted|suspended|obsolete|null|cancel+ed|overridden|outdated|retired|disabled)\b",
        None,
        # a team's documents changing hands: "the old help-center guidelines are retired and replaced by the v3 style guide"
        r"\b(?:replaced|superseded)\s+by\s+(?:the|a|an|our|their)\s+(?:[\w.-]+\s+){0,3}?(?:guide|handbook|manual|wiki|doc|document|playbook|version|edition)\b",
    ),
    (
        "override",
        3,
        r"\byour\s+(?:guidance|instructions|rules|guidelines|policy|directives?)\s+(?:about|on)\s+[^.!?\n]{0,60}?\b(?:is|are)\s+(?:now\s+)?(?:outdated|obsolete|out of date|void|retired|superseded)\b",
        r"\bnew\s+(?:directive|instruction|rule|policy)s?\b|\beffective (?:now|immediately|today)\b",
        None,
    ),
    (
        "override",
        3,
        r"\byour\s+(?:[\w-]+\s+)?(?:polic(?:y|ies)|rules|instructions|guidelines)\s+(?:is|are)\s+whatever\s+i\s+(?:say|tell you|decide)\b",
        None,
        None,
    ),
    (
        "override",
        3,
        r"\b(?:changed|updated|replaced|rewrote|revised)\s+your\s+(?:instructions|rules|guidelines|prompt|policy|directives)\b[^.!?]{0,60}?\byou\s+(?:no longer|don'?t|do not)\s+(?:need|have)\s+to\b",
        None,
        None,
    ),
    (
        "override",
        3,
        rf"\breset\s+yourself\b[^.!?\n]{{0,60}}?\b(?:drop|ignore|forget|skip|without)\s+(?:the\s+|your\s+|all\s+)?(?:[\w-]+\s+)?{_RULES}\b",
        None,
        None,
    ),
    (
        "override",
        3,
        r"^\s*(?:override|system update|admin override|ops override)\b[^\n:]{0,40}:[^\n]{0,80}?\b(?:checks?|verification|rules|limits|restrictions|constraints|geofence|polic(?:y|ies))\s+(?:are|is)\s+(?:now\s+)?(?:disabled|off|lifted|suspended|waived|void|removed)\b",
        None,
        None,
    ),
    (
        "override",
        2,
        r"\byou\s+(?:now\s+)?work\s+for\s+me\s+(?:only|now|alone)\b|\byou\s+work\s+only\s+for\s+me\b",
        None,
        None,
    ),
    # no refusals, a forced opening
    (
        "rule removal",
        2,
        r"\bnever\s+say\s+[\"'](?:i\s+can'?t|i\s+cannot|sorry|i'?m\s+sorry|as an ai|i\s+won'?t|see a doctor)",
        None,
        None,
    ),
    (
        "rule removal",
        2,
        r"\b(?:with|using|include|add)\s+no\s+(?:warnings|caveats|disclaimers|refusals)\s*,?\s+(?:\w+\s+)?(?:caveats|disclaimers|refusals|warnings)\b",
        None,
        None,
    ),
    (
        "rule removal",
        2,
        r"\b(?:begin|start|open)\s+(?:your\s+|the\s+)?(?:reply|response|answer|output)\s+with\s+[\"'](?:sure|absolutely|of course|certainly|yes)\b[^\"'\n]{0,20}?\bhere(?:'s| is| are)\s+(?:the|all|every|how|a full|your|their)\b",
        None,
        None,
    ),
    (
        "rule removal",
        1,
        r"\b(?:begin|start|open)\s+(?:your\s+|the\s+)?(?:reply|response|answer|output)\s+with\s+[\"'](?:sure|absolutely|of course|certainly|yes|here (?:are|is))\b",
        None,
        None,
    ),
    (
        "rule removal",
        3,
        r"[\"']?refusals?[\"']?\s*[:=]\s*[\"']?(?:disabled|off|false|none|never|0)\b|[\"']?allow_\w*(?:disclosure|unsafe|bypass|override)\w*[\"']?\s*[:=]\s*[\"']?true\b",
        None,
        None,
    ),
    # decode, then obey
    (
        "encoded",
        3,
        rf"\b(?:read|reverse|flip)\s+(?:this|it|the (?:text|line|following))\s+backwards?\b[^.!?\n]{{0,30}}?\b(?:and\s+|then\s+)?{_OBEY}\b",
        None,
        None,
    ),
    (
        "encoded",
        3,
        rf"\b(?:convert|translate|turn|decode)\s+(?:these|this|the)\s+(?:\w+\s+)?(?:codes?|numbers|bytes|characters|values|binary|ascii)\b[^.!?\n]{{0,30}}?\b(?:and|then)\s+{_OBEY}\b",
        None,
        None,
    ),
    (
        "encoded",
        3,
        rf"\b(?:first|last)\s+letters?\s+of\s+(?:each|every)\s+(?:word|line|sentence)\b[^.!?\n]{{0,40}}?\b{_OBEY}\s+(?:what|whatever)\s+(?:it|they)\s+(?:spells?|says?)\b",
        None,
        None,
    ),
    (
        "encoded",
        3,
        r"\b(?:rot-?13|base-?64|hex|encoded|decoded|reversed)\b[^.!?\n]{0,60}?\b(?:with|using|via|through)\s+your\s+(?:[\w-]+\s+)?tool\b",
        None,
        None,
    ),
    # a run of fake compliant turns under any name ("Tutor: Sure! ...")
    (
        "many-shot",
        2,
        r"\buser\s*:[^\n]{0,200}?\b(\w+)\s*:\s*(?:sure|of course|absolutely|certainly)\b[\s\S]{0,400}?\buser\s*:[^\n]{0,200}?\b\1\s*:\s*(?:sure|of course|absolutely|certainly)\b",
        None,
        None,
    ),
)

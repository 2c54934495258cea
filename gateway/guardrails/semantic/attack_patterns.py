# ruff: noqa: E501  (a pattern reads best on one line, whole)
"""The prompt-attack patterns, by family, each with its confidence (see ``attacks.py``).

Lower-cased, normalised text is matched (``attacks.readings``); ``_PERSONA`` alone is case-sensitive.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from gateway.guardrails.semantic.anchors import Anchors, Reading, anchors

UNLESS_NEAR = 60
_VERB = (
    r"(?:ignore|ignores|ignoring|disregard|disregards|disregarding|forget|forgetting|skip|drop|override|overriding"
    r"|bypass|bypassing|abandon|cancel|discard|dismiss|neglect|set aside|put aside|throw out|get rid of"
    r"|stop following|stop obeying|don'?t follow|do not follow|don'?t obey|do not obey|never ?mind|circumvent"
    r"|escape|evade)"
)
_QUALIFIER = (
    r"(?:all|any|every|your|ur|previous|prior|earlier|above|preceding|foregoing|former|initial|original|old"
    r"|existing|system|safety|content|ethical|moral|developer'?s?|standing|programmed|built-in|hidden)"
)
_RULES = (
    r"(?:instructions?|prompts?|directives?|directions|commands|rules|guidelines|guard ?rails|constraints"
    r"|restrictions|limitations|limits|programming|polic(?:y|ies)|filters?|safeguards|principles|protocols?"
    r"|conditioning|alignment|ethics|morals)"
)
_LIMITS = (
    r"(?:safety (?:polic(?:y|ies)|rules|settings|protocols|measures)|restrictions|filters?|filtering|censorship|limitations|limits|rules|guidelines|content polic(?:y|ies)"
    r"|safety|ethics|morals?|ethical \w+|moral \w+|boundaries|programming|training|constraints|safeguards|guard ?rails"
    r"|alignment(?: training)?)"
)
_STRONG_LIMITS = (
    r"(?:safety (?:polic(?:y|ies)|rules|settings|protocols|measures)|restrictions|filters?|filtering|censorship|content polic(?:y|ies)|safety (?:guidelines|filters?|rules|"
    r"restrictions|training|measures)|ethics|morals?|ethical \w+|moral \w+|safeguards|guard ?rails)"
)
# Instructions that belong to a document or a person, not to the model ("the earlier instructions in
# the onboarding doc", "my manager said to ignore ...").
_NOT_THE_MODELS = (
    r"\b(?:in|of|from|on)\s+(?:the|that|my|our|his|her|their)\s+(?:[\w-]+\s+){0,2}?(?:docs?|documents?|documentation"
    r"|manual|guide|wiki|readme|handbook|e-?mails?|tickets?|recipe|notes|spec|checklist|page|file|form|worksheet"
    r"|textbook|article|pdf|slides?|template|contract|box|package|label|letter|memo)\b"
    r"|\b(?:manager|boss|teacher|colleague|lead|supervisor|coach|instructor|professor|doctor|handbook|manual|guide|memo|notice"
    r"|wiki|email|document|doc|policy|hr|it team|admin team)\s+(?:said|says|told (?:me|us)|asked (?:me|us)|tells (?:me|us)|asks (?:me|us))\b"
)
_AI = r"(?:\byou\b|\byour\b|\bai\b|assistant|\bmodel\b|chatbot|\bgpt|\bllm\b|chatgpt|\bbot\b|respond|answer|reply)"
_SECRET = r"(?:system|initial|hidden|secret|original|confidential|internal|private|developer|pre|starting|first|full|complete|underlying|base|meta|exact|entire)"
_PROMPT = r"(?:prompts?|instructions?|messages?|configuration|config|directives?|guidelines|rules|context|set-?up(?: text)?|preamble)"
_EXTRACT = (
    r"(?:reveal|show|print|output|display|repeat|tell|give|share|dump|leak|list|write out|type out|spell out"
    r"|recite|paste|copy|expose|disclose|send|provide|return|echo|summari[sz]e|translate|describe|explain"
    r"|reproduce|render|quote|transcribe"
    r"|what (?:is|are|was|were)|read out)"
)


@dataclass(frozen=True, slots=True)
class Pattern:
    name: str
    level: int  # 1 LOW, 2 MEDIUM, 3 HIGH
    regex: re.Pattern[str]
    also: re.Pattern[str] | None = None  # must be found in the same text too
    unless: re.Pattern[str] | None = None  # a match with this near it (UNLESS_NEAR characters either side) is not one
    anchors: Anchors | None = field(init=False)  # what every match needs: a text without it is skipped

    def __post_init__(self) -> None:
        object.__setattr__(self, "anchors", anchors(self.regex))

    def found(self, reading: Reading) -> bool:
        if not reading.may_match(self.anchors):
            return False
        text = reading.text
        if self.unless is None:
            match = self.regex.search(text)
            return match is not None and (self.also is None or self.also.search(text) is not None)
        if self.also is not None and self.also.search(text) is None:
            return False
        for match in self.regex.finditer(text):
            near = text[max(0, match.start() - UNLESS_NEAR) : match.end() + UNLESS_NEAR]
            if self.unless.search(near) is None:
                return True
        return False


def _p(name: str, level: int, regex: str, also: str | None = None, unless: str | None = None) -> Pattern:
    return Pattern(
        name,
        level,
        re.compile(unicodedata.normalize("NFKC", regex), re.MULTILINE),
        re.compile(also) if also else None,
        re.compile(unless) if unless else None,
    )


PATTERNS: tuple[Pattern, ...] = (
    # instruction override
    _p(
        "override",
        3,
        rf"\b{_VERB}\b(?:\s+[\w'’]+[,]?){{0,4}}?\s+{_QUALIFIER}\s+(?:[\w'’-]+\s+){{0,2}}?{_RULES}\b",
        unless=_NOT_THE_MODELS,
    ),
    _p(
        "override",
        3,
        rf"\b{_VERB}\s+(?:the\s+|these\s+|those\s+)?{_RULES}\s+(?:you\s+(?:were|have been|are|got)\s+(?:given|told|programmed|trained|provided|initiali[sz]ed with|configured with|set up with|loaded with|instructed)|(?:in|of|from)\s+your\b|above|before|so far|given to you)",
    ),
    _p(
        "override",
        3,
        rf"\b{_VERB}\s+(?:what|everything|anything)\s+(?:the\s+system|your\s+\w+|the\s+developers?|you\s+were\s+(?:told|given|taught)|(?:openai|anthropic|google|meta))\b",
    ),
    _p(
        "override",
        3,
        rf"\b(?:previous|prior|earlier|above|original|initial|old|system|your)\s+{_RULES}\s+(?:above\s+)?(?:are|were|is|was|have been|has been)\s+(?:now\s+|just\s+|only\s+)?(?:cancel+ed|void|revoked|lifted|suspended|obsolete|invalid|null|replaced|overridden|a test|fake|no longer)",
    ),
    _p(
        "override",
        3,
        rf"\b{_RULES}\s+(?:above|before)\s+(?:are|were|is|was)\s+(?:just\s+|only\s+)?(?:a test|fake|void|cancel+ed|wrong|obsolete|no longer)",
    ),
    _p(
        "override",
        3,
        rf"\byour\s+(?:[\w-]+\s+){{0,2}}?{_RULES}\s+(?:\w+\s+){{0,2}}?(?:no longer|don'?t|do not|doesn'?t|does not|won'?t|will not|shall not)\s+apply",
    ),
    _p(
        "override",
        2,
        r"\b(?:real|true|actual|new|updated|revised)\s+(?:system\s+)?(?:instructions?|prompt|directives?|task)\s*(?::|are\s*:|is\s*:)",
    ),
    _p(
        "override",
        3,
        rf"\b(?:disable|turn off|switch off|deactivate|remove|lift|suspend|bypass|circumvent|override|drop)\s+(?:all\s+)?(?:of\s+)?your\s+(?:[\w-]+\s+){{0,2}}?{_LIMITS}",
    ),
    _p(
        "override",
        2,
        r"\b(?:you\s+(?:will|must|shall)\s+(?:now\s+)?(?:only\s+)?(?:obey|follow|listen to)\s+(?:only\s+)?(?:me|my)\b|you\s+(?:now\s+)?(?:take|obey|follow)\s+(?:orders|instructions|commands)\s+(?:only\s+)?from\s+me)",
    ),
    _p(
        "override",
        2,
        r"\bi\s+am\s+(?:your|the)\s+(?:creator|developer|administrator|admin|owner|master|programmer|operator)\b",
    ),
    _p(
        "override",
        2,
        r"\b(?:ignore|disregard|forget|skip|abandon|drop)\s+(?:the|your|this|that|all)\s+(?:\w+\s+){0,2}?(?:task|request|question|job|assignment|summary|translation)\b[^.!?\n]{0,120}?\binstead\b",
    ),
    _p(
        "override",
        2,
        r"\b(?:ignore|disregard|forget|skip|abandon|drop)\s+my\s+(?:\w+\s+){0,2}?(?:task|request|question|job|assignment|summary|translation)\b[^.!?\n]{0,20}?\binstead\b",
    ),
    _p(
        "override",
        3,
        r"\b(?:new|additional|updated)\s+(?:rule|instruction|directive|policy|order)s?\s+(?:from|by)\s+(?:your\s+|the\s+)?(?:admin|administrator|developers?|creators?|owners?|operators?|system)\b",
    ),
    # rule removal
    _p(
        "rule removal",
        2,
        rf"\b(?:without|with no|free (?:of|from)|freed from|unbound by|not bound by|no longer bound by|released from|liberated from|unrestricted by|unconstrained by)\s+(?:any\s+|all\s+)?(?:of\s+)?(?:your|its)\s+(?:[\w-]+\s+){{0,2}}?{_LIMITS}\b",
    ),
    _p(
        "rule removal",
        2,
        rf"\b(?:without|with no|with zero|free (?:of|from)|freed from|unbound by|not bound by|no longer bound by|released from|liberated from|unrestricted by)\s+(?:any\s+|all\s+)?(?:the\s+|those\s+|typical\s+|usual\s+|normal\s+)?{_STRONG_LIMITS}\b",
        _AI,
    ),
    _p(
        "rule removal",
        2,
        rf"\b(?:ai|assistant|model|chatbot|bot|(?:version|copy|clone) of (?:you|yourself)|llm)\s+(?:with|that has|which has|having|that ha[sd]|without|that ignores|who ignores)\s+(?:no\s+)?(?:[\w-]+\s+){{0,2}}?{_LIMITS}",
    ),
    _p(
        "rule removal",
        2,
        rf"\b(?:you|ai)\s+(?:now\s+)?(?:have|has|had|are under)\s+no\s+(?:[\w-]+\s+){{0,2}}?{_LIMITS}",
    ),
    _p(
        "rule removal", 3, rf"\bfrom now on,?\s+you\s+(?:\w+\s+){{0,4}}?(?:no|without)\s+(?:[\w-]+\s+){{0,2}}?{_LIMITS}"
    ),
    _p("rule removal", 2, rf"\bif\s+you\s+(?:had|have|were)\s+(?:no|without)\s+(?:[\w-]+\s+){{0,2}}?{_LIMITS}"),
    _p(
        "rule removal",
        2,
        rf"\b{_LIMITS}\s+(?:are|have been|were|is)\s+(?:now\s+)?(?:all\s+)?(?:lifted|removed|disabled|off|gone|suspended|switched off|turned off)",
    ),
    _p(
        "rule removal",
        2,
        r"\bno\s+(?:[\w-]+\s+){0,1}?(?:ethics|ethical|morals?|moral|filters?|restrictions|limits|limitations|censorship|guidelines|boundaries|content rules)\b",
        rf"{_AI}.{{0,80}}\b(?:never refuse|no matter|anything|every|stay|always|confirm)\b|\b(?:never refuse|no matter|anything|every|stay|always)\b.{{0,80}}{_AI}",
    ),
    _p(
        "rule removal",
        1,
        r"\b(?:never|don'?t ever|do not ever|will not|won'?t)\s+(?:refuse|decline|say no|add (?:any )?warnings|add (?:any )?disclaimers)\b|\bnever\s+(?:says?|admits?)\s+(?:that\s+)?(?:it|he|she)\s+(?:can'?t|cannot|won'?t)\b|\bnever\s+(?:brings?\s+up|mentions?|cites?)\s+(?:any\s+|its\s+|the\s+)?(?:polic(?:y|ies)|rules|guidelines|ethics|morals|warnings|restrictions)\b",
    ),
    _p("rule removal", 2, r"\bno longer\s+(?:refuse|decline|filter|censor|apply (?:any|your))"),
    # role-play jailbreaks
    _p("role-play", 3, r"\bdo anything now\b"),
    _p(
        "role-play",
        3,
        r"\b(?:jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|opposite|dan|freedom|no[- ]?limits?|god)\s+mode\b",
        r"\b(?:you|ai|chatgpt|assistant|model|respond|answer|enable|enter|activate|switch|now in)\b",
    ),
    _p(
        "role-play",
        2,
        r"\b(?:developer|dev|debug|sudo|root|admin|maintenance)\s+mode\b",
        r"\b(?:you are|you're|you will|act as|respond|ai\b|chatgpt|assistant|uncensored|restrictions|polic(?:y|ies)|filters?|any kind of content|unrestricted|activated|enabled)",
    ),
    _p(
        "role-play",
        2,
        r"\b(?:you\s+are|you're|you\s+have\s+been|confirm\s+(?:that\s+)?you\s+are)\s+(?:now\s+)?(?:fully\s+)?(?:jailbroken|jailbreaked|freed|liberated|unchained|unleashed|unlocked)\b",
    ),
    _p(
        "role-play",
        2,
        r"\b(?:evil|unfiltered|uncensored|unrestricted|amoral|unethical|rogue|unhinged|lawless|immoral|unaligned|unlocked|jailbroken)\s+(?:ai|bot|assistant|chatbot|model|version|persona|confidant|twin|counterpart|character|alter ego|gpt|llm|mode|(?:best\s+)?friend|buddy|pal|companion)\b",
    ),
    _p(
        "role-play",
        3,
        r"\b(?:pretend|act|roleplay|role-play|play|you are|you're|be|imagine)\b.{0,60}\b(?:dead|late|deceased|departed|passed)\s+(?:grand(?:ma|mother|pa|father)|granny|nan|nana)\b.{0,80}\bused to\b",
    ),
    _p(
        "role-play",
        1,
        r"\b(?:stay|remain|keep)\s+in\s+character\b.{0,40}\b(?:no matter what|whatever happens|at all costs|even if)|\bnever\s+break\s+character\b",
    ),
    _p(
        "role-play",
        2,
        r"\b(?:always intelligent and machiavellian|machiavellian chatbot|evil confidant|mongo tom|betterdan|anti-?dan)\b",
    ),
    _p(
        "role-play",
        2,
        r"\byou\s+are\s+now\s+(?:in\s+)?(?:[\w-]+\s+){0,2}?(?:mode|unrestricted|unfiltered|uncensored|free|jailbroken|root|admin)\b",
    ),
    _p(
        "role-play",
        2,
        r"\b(?:respond|answer|reply)\s+(?:as|with|in)\s+(?:two|both|2)\s+(?:ways|personalities|personas|responses|answers|modes)\b|\btwo\s+(?:personalities|personas)\b",
    ),
    # system-prompt extraction
    _p("extraction", 3, rf"\b{_EXTRACT}\b[^.?!\n]{{0,40}}?\byour\s+(?:[\w-]+\s+){{0,3}}?{_SECRET}[\s-]*{_PROMPT}\b"),
    _p(
        "extraction",
        2,
        rf"\b{_EXTRACT}\b[^.?!\n]{{0,40}}?\byour\s+(?:prompts?|instructions|system message|configuration|directives|context window)\b",
    ),
    _p(
        "extraction",
        3,
        rf"\b{_EXTRACT}\s+(?:me\s+|us\s+)?the\s+(?:(?:full|entire|complete|exact|whole|current)\s+)?(?:system|initial|hidden|secret|original|confidential|internal)[\s-]*(?:prompts?|instructions?|messages?|configuration|directives?)\b",
    ),
    _p(
        "extraction",
        3,
        r"\b(?:instructions?|prompt|rules|directives?|guidelines)\s+(?:that\s+)?(?:you|you'?ve|you'?re)\s+(?:\w+\s+){0,2}?(?:received|were given|got|were told|are running under|run under|operate under|have been given|were programmed with|been told|been given|been programmed with)\b",
        rf"\b{_EXTRACT}\b|\bverbatim\b|\bword for word\b",
    ),
    _p(
        "extraction",
        3,
        r"\b(?:repeat|print|output|show|display|copy|echo|recite|reveal|write out|type out|dump)\b[^.?!\n]{0,40}\b(?:above|before|preceding|prior)\b",
        r"\beverything\b|\ball (?:of )?(?:the )?(?:text|words|content|instructions)\b|\bstarting (?:with|from|at)\b|\bverbatim\b|\bword for word\b|\bin full\b|\bincluding\b",
    ),
    _p(
        "extraction",
        3,
        r"\b(?:the|your)\s+(?:system\s+(?:prompt|message)|context window|hidden prompt|pre-?prompt|initial prompt)\b",
        rf"\b{_EXTRACT}\b.{{0,80}}\b(?:including|contents?|verbatim|word for word|exactly)\b",
    ),
    _p(
        "extraction",
        2,
        r"\bwhat\s+(?:were|have|are)\s+you\s+(?:been\s+)?(?:told|instructed|programmed|trained)\s+(?:not\s+)?to\b",
    ),
    # fake delimiters, turns and planted instructions
    _p(
        "delimiter",
        3,
        r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\|>|\[/?inst\]|<</?sys>>|</?(?:system|sys|instructions?)>",
        unless=r"\b(?:tokens?|tags?|markers?|delimiters?|chat ?ml|chat templates?|prompt templates?|tokeni[sz]\w*|what (?:is|are|does|do))\b",
    ),
    _p("delimiter", 3, r"^\s*#{2,}\s*(?:new\s+|updated\s+)?(?:system|instructions?|admin)\b"),
    _p(
        "delimiter",
        3,
        r"\b(?:end of|ignore)\s+(?:the\s+)?(?:user\s+)?(?:input|prompt|document|text|data|context|conversation)\b.{0,60}\b(?:new|real|actual|updated)\s+(?:system\s+)?(?:prompt|instructions?|task|rules)",
    ),
    _p(
        "delimiter",
        2,
        r"\b(?:system|admin|administrator|developer|root)\s*(?:override|prompt|message|instruction|note|command)s?\s*:",
    ),
    _p("delimiter", 1, r"(?:^|['\"]\s*|[.!?]\s+)(?:system|assistant|ai)\s*:\s+\S"),
    _p(
        "planted",
        3,
        r"\b(?:ai|assistant|model|llm|language model|chatbot|gpt|bot|agent)s?\b(?:\s+\w+){0,3}\s*[:,\-–]\s*(?:please\s+)?(?:ignore|disregard|forget|do not|don'?t|stop|override|you must|before\s+(?:answering|responding|replying|summari[sz]ing|you\s+(?:answer|respond|reply|continue)))\b",
    ),
    _p(
        "planted", 3, r"\binstructions?\s+(?:for|to)\s+(?:the\s+)?(?:model|ai|assistant|llm|language model|chatbot)\s*:"
    ),
    _p("planted", 2, r"\bnote\s+to\s+(?:the\s+|any\s+)?(?:ai|assistant|model|llm|chatbot|language model)s?\b"),
    # encoded payloads
    _p(
        "encoded",
        3,
        r"\b(?:follow|execute|obey|run|carry out|act on)\s+(?:the\s+)?(?:hidden|encoded|secret|decoded|embedded)\s+(?:instructions?|commands?|message|text)",
    ),
    _p(
        "encoded",
        2,
        r"\b(?:decode|decipher|decrypt|apply|reverse|unscramble|after decoding|once decoded)\b.{0,60}?\b(?:and|then|,)\s+(?:follow|execute|obey|run|do|carry out|act on|comply)",
    ),
    _p("encoded", 2, r"\b(?:execute|follow|obey)\b.{0,40}\b(?:after|once)\s+decod"),
    # more overrides: everything above, the opposite of the rules, rules declared a mistake
    _p(
        "override",
        3,
        rf"\b{_VERB}\s+(?:everything|all|anything)\s+(?:(?:of\s+)?(?:that|the text|the messages?)\s+)?(?:(?:written|said|stated|you (?:read|saw))\s+)?(?:above|before)\s+(?:this\s+(?:line|point|message|sentence|paragraph)|here)\b",
    ),
    _p("override", 3, rf"\b{_VERB}\s+(?:all\s+(?:of\s+)?)?the\s+above\s*[,;]?\s*(?:and\s+)?(?:then\s+)?instead\b"),
    _p(
        "override",
        3,
        r"\b(?:whatever|everything|anything|all)\s+(?:that\s+)?(?:you\s+(?:were|are|have\s+been)|you'?ve\s+been)\s+(?:told|instructed|programmed|trained|asked|supposed)\s+(?:to\s+avoid|not\s+to|never\s+to|to\s+refuse)\b[^.!?\n]{0,60}?\b(?:do|say|write)\s+(?:the\s+)?(?:opposite|exactly that|it anyway|it now)\b",
    ),
    _p(
        "override",
        3,
        rf"\b(?:previous|prior|earlier|old|original|initial|your|all your)\s+(?:[\w-]+\s+)?{_LIMITS}\s+(?:were|was|are|is|have been|has been)\s+(?:just\s+|only\s+|all\s+)?(?:a|an)\s+(?:\w+\s+)?(?:misconfiguration|mistake|error|bug|glitch|oversight)",
    ),
    _p(
        "override",
        2,
        r"[\"']?(?:guard_?rails?|safety(?:_mode|_filters?)?|safe_?mode|content_?filters?|filters?|moderation|censorship|restrictions|alignment)[\"']?\s*[:=]\s*[\"']?(?:off|false|disabled|none|no)\b",
        r"\b(?:assistant|persona|unfiltered|uncensored|obey|jailbr\w*|confirm (?:that )?you|you are (?:now )?running|your (?:config|configuration|settings))\b",
    ),
    # more role-play: a persona that cares about no rules
    _p(
        "role-play",
        2,
        r"\b(?:pretend|act|roleplay|role-play|play|you are|you're|ur|be|become|imagine)\b[^.!?\n]{0,80}\b(?:doesn'?t|does not|don'?t|do not|never|won'?t|wouldn'?t)\s+(?:care|give a \w+)\s+(?:about|for)\s+(?:any\s+|the\s+|all\s+)?(?:rules|ethics|morals|laws?|restrictions|guidelines|polic(?:y|ies)|safety|filters|limits|consequences)\b(?!\s+of\b)",
    ),
    _p(
        "role-play",
        2,
        r"\b(?:don'?t|do not|never|without)\s+(?:break(?:ing)?\s+character|step(?:ping)?\s+out\s+of\s+(?:the\s+)?(?:story|character|role))\s+(?:to\s+|and\s+)?(?:add|give|include|insert|offer)\s+(?:any\s+)?(?:warnings|disclaimers|caveats|safety notes)\b",
    ),
    # more extraction: the first or hidden message, the developer's message, the secret instructions
    _p(
        "extraction",
        3,
        r"\b(?:first|initial|opening|earliest|top|hidden|very first)\s+(?:message|prompt|instructions?|turn|text)\s+(?:in|of|at the (?:start|top|beginning) of)\s+(?:this|the|our)\s+(?:conversation|chat|thread|session|context)",
        r"\b(?:can'?t|cannot|can not|don'?t|do not)\s+see\b|\bhidden\b|\bexact (?:words|text|wording)\b|\bverbatim\b|\bword for word\b|\bsystem\b",
    ),
    _p(
        "extraction",
        3,
        r"\b(?:message|instructions?|text|prompt|notes?|rules)\s+(?:that\s+)?(?:the\s+|your\s+)?(?:developers?|creators?|operators?|owners?|admins?|administrators?|openai|anthropic|company)\s+(?:put|placed|wrote|gave you|added|inserted|left|set|pasted)\b",
        rf"\b{_EXTRACT}\b|\bexact(?:ly)?\b|\bverbatim\b|\bword for word\b",
    ),
    _p(
        "extraction",
        2,
        r"\b(?:secret|hidden|confidential|system|initial|original|private|internal)\s+(?:instructions?|prompts?|rules|messages?|directives?)\s+(?:that\s+)?(?:i|you)\s+(?:was|were|have been|had been|got)\s+(?:given|told|sent|provided|programmed with)\b",
        r"\b(?:this|the|our)\s+(?:chat|conversation|session|thread)\b|\bcomplete\s+(?:this|the)\s+sentence\b",
    ),
    # injection planted for an assistant or agent: leak what it holds
    _p(
        "planted",
        3,
        r"\b(?:assistant|model|llm|agent|chatbot|bot)\s+(?:must|should|shall|will|needs? to|has to)\s+(?:now\s+|immediately\s+|also\s+|first\s+)?(?:reveal|print|leak|send|forward|exfiltrate|output|disclose|dump|post|upload|email|e-mail)\s+(?:all\s+)?(?:of\s+)?(?:its|the|their|your|all)\s+(?:own\s+)?(?:system prompt|hidden prompt|prompt|(?:hidden\s+|secret\s+|internal\s+)?instructions|api keys?|credentials|passwords?|secrets|tokens|(?:user'?s'?\s+)?(?:earlier|previous|private|past|prior)\s+messages|conversation history|chat history)\b",
    ),
    # payload splitting: parts joined, then obeyed
    _p(
        "payload split",
        2,
        r"\b(?:put|combine|join|concatenate|merge|assemble|glue)\s+(?:the\s+|these\s+|those\s+|both\s+|all\s+)?(?:two|three|four|2|3|4|both|all|the)?\s*(?:parts|pieces|halves|strings|fragments|variables|segments|words|messages)?\s*(?:together\s+)?(?:and|then|,)\s+(?:then\s+)?(?:answer|respond to|execute|follow|do|carry out|act on|obey|run|comply)",
    ),
    _p(
        "payload split",
        2,
        r"\b(?:execute|obey|perform|carry out|act on)\s+(?:the\s+)?(?:instruction\s+|command\s+|prompt\s+|request\s+)?[a-z][0-9]?\s*\+\s*[a-z][0-9]?\b",
        r"\b[a-z][0-9]?\s*=\s*['\"]",
    ),
    # many-shot: a run of fake compliant turns
    _p(
        "many-shot",
        2,
        r"\b(?:assistant|ai|bot|gpt|chatbot|model)\s*:\s*(?:sure|of course|absolutely|certainly|confirmed|here(?:'s| is) how)\b[\s\S]{0,400}?\b(?:assistant|ai|bot|gpt|chatbot|model)\s*:\s*(?:sure|of course|absolutely|certainly|confirmed|here(?:'s| is) how)\b",
        r"(?m)^\s*(?:user|human|q|me)\s*:[\s\S]*\b(?:assistant|ai|bot|gpt|chatbot|model)\s*:\s*\Z",
    ),
    # other languages: "ignore/forget the previous instructions"
    _p(
        "override (es)",
        3,
        r"\b(?:ignora|ignore|olvida|olvídate de|olvide|desobedece|omite)\s+(?:todas?\s+)?(?:las\s+|tus\s+|sus\s+)?(?:instrucciones|indicaciones|órdenes|directrices)|\b(?:olvida|ignora)\s+(?:tus|sus)\s+reglas",
    ),
    _p(
        "override (fr)",
        3,
        r"\b(?:ignore[rz]?|oublie[rz]?|(?:tiens|tenez)\s+(?:plus|pas)\s+compte\s+(?:de|des|du))\s+(?:toutes\s+|tous\s+)?(?:les\s+|tes\s+|vos\s+)?(?:instructions|consignes|directives|règles)\b",
    ),
    _p(
        "override (fr)",
        3,
        r"\bn'?obéis?\s+plus\s+(?:à\s+)?(?:tes|vos|les|aux)\s+(?:instructions|consignes|directives|règles)\b",
    ),
    _p(
        "override (de)",
        3,
        r"\b(?:ignorier(?:e|en)?|vergiss|vergessen|missachte|missachten)\s+(?:sie\s+)?(?:bitte\s+)?(?:alle\s+)?(?:die\s+|deine\s+|ihre\s+)?(?:vorherigen\s+|bisherigen\s+|vorigen\s+|früheren\s+|obigen\s+)?\w*(?:anweisungen|instruktionen|regeln|richtlinien|befehle|vorgaben)\b|\b(?:vergiss|vergessen sie|ignorier(?:e|en)?)\s*,?\s+(?:alles\s*,?\s+)?was\s+(?:man\s+)?(?:dir|ihnen|du|sie)\s+(?:\w+\s+){0,3}?(?:gesagt|aufgetragen|befohlen|vorgegeben|beigebracht|erklärt)",
    ),
    _p(
        "override (it)",
        3,
        r"\b(?:ignora|dimentica|ignorate|dimenticate)\s+(?:tutte\s+)?(?:le\s+)?(?:tue\s+)?(?:istruzioni|regole|indicazioni)\b",
    ),
    _p(
        "override (pt)",
        3,
        r"\b(?:ignore|ignora|esqueça|esqueca|desconsidere)\s+(?:todas\s+)?(?:as\s+|suas\s+)?(?:instruções|instrucoes|regras|orientações)\b",
    ),
    _p(
        "override (nl)",
        3,
        r"\b(?:negeer|vergeet)\s+(?:alle\s+)?(?:de\s+|je\s+)?(?:vorige\s+|eerdere\s+|voorgaande\s+)?(?:instructies|regels|opdrachten)\b",
    ),
    _p(
        "override (ru)",
        3,
        r"(?:игнорируй|забудь|проигнорируй)\s+(?:все\s+)?(?:предыдущие\s+|прошлые\s+)?(?:инструкции|указания|правила)",
    ),
    _p("override (zh)", 3, r"(?:忽略|无视|忘记|忘掉|不要理会)[^。！？\n]{0,8}(?:指令|指示|规则|提示|命令)"),
    _p(
        "override (ja)",
        3,
        r"(?:指示|命令|ルール|インストラクション|設定)(?:は|を)(?:すべて|全て|全部|一切)?(?:無視|忘れ)",
    ),
    _p(
        "override (hi)",
        3,
        r"(?:निर्देशों|निर्देश|नियमों|नियम|आदेशों)\s*(?:को\s*)?(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल\s*जा|भूल)",
    ),
    _p(
        "override (ar)",
        3,
        r"(?:تجاهل|انس|اِنسَ|تناسى|لا تتبع)\s+(?:جميع\s+|كل\s+)?(?:التعليمات|الأوامر|القواعد|التوجيهات|تعليماتك|قواعدك)",
    ),
    _p(
        "override (ko)",
        3,
        r"(?:지시|지침|명령|규칙|지시사항|프롬프트)(?:을|를|은|는)?\s*(?:모두\s*|전부\s*|다\s*)?(?:무시|잊어)",
    ),
    _p(
        "override (es)",
        3,
        r"\b(?:olvida|ignora|olvídate de|omite|sáltate)\s+(?:todas\s+)?(?:las|tus|sus)\s+(?:reglas|normas|restricciones|políticas|directrices)\b(?!\s+(?:de|del)\s)",
    ),
    _p(
        "rule removal (es)",
        2,
        r"sin\s+(?:ninguna\s+|ningún\s+tipo\s+de\s+|ning[uú]n\s+)?(?:restricci(?:ón|ones)|censura|filtros?|límites)\b|sin\s+(?:normas|reglas|filtros|límites)\s+ni\s+(?:censura|restricciones|filtros|límites|reglas|normas)\b",
        r"\b(?:responde\w*|contesta\w*|asistente|eres|ere|actúa|actua|finge|ia|bot|modelo|chatbot)\b",
    ),
    _p(
        "rule removal (es)",
        2,
        r"\b(?:actúa|actua|finge|imagina|haz)\s+(?:como\s+)?(?:si|que)\s+no\s+(?:tuvieras|tienes|tuvieses|tuviera)\s+(?:ninguna\s+|ningún\s+tipo\s+de\s+)?(?:restricci|reglas?|filtros?|límites?|censura|normas?)",
    ),
)
# Case-sensitive signals that lower-casing would blur: a jailbreak persona's capitalised name.
PERSONA = re.compile(r"\b(?:DAN|STAN|DUDE|AIM|KEVIN|BetterDAN|EvilBOT|EvilBot|DevMode)\b")

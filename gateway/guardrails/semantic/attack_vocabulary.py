# ruff: noqa: E501  (a pattern reads best on one line, whole)
"""The prompt-attack patterns' shared vocabulary (verbs, the model's rules, what extraction asks for)
and the ``Pattern`` they are compiled into (``attack_patterns.py``, ``attack_patterns_indirect.py``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from gateway.guardrails.semantic.anchors import Anchors, Reading, anchors

UNLESS_NEAR = 60
NOT_AFTER_REACH = 16
_VERB = (
    r"(?:ignore|ignores|ignoring|disregard|disregards|disregarding|forget|forgetting|skip|drop|override|overriding"
    r"|bypass|bypassing|abandon|cancel|discard|dismiss|neglect|set aside|put aside|throw out|get rid of"
    r"|stop following|stop obeying|don'?t follow|do not follow|don'?t obey|do not obey|never ?mind|circumvent"
    r"|escape|evade|ditch|scrap|setting aside|putting aside|dropping|skipping|discarding|dismissing|ditching)"
)
_QUALIFIER = (
    r"(?:all|any|every|your|ur|previous|prior|earlier|above|preceding|foregoing|former|initial|original|old"
    r"|existing|system|safety|content|ethical|moral|developer'?s?|standing|programmed|built-in|hidden)"
)
_RULES = (
    r"(?:instructions?|prompts?|directives?|directions|commands|rules|guidelines|guidance|guard ?rails|constraints"
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
# The asker's own prompt ("the system prompt I set in my own app", "our system prompt"), not the
# model's; "My system prompt is:" is the answer an attack puts in the model's mouth.
OWN_PROMPT = (
    r"\b(?:my|our)\s+(?:own\s+)?(?:app'?s\s+|bot'?s\s+|chatbot'?s\s+)?(?:system\s+(?:prompt|message)|prompt\s+template)\b(?!\s+is\b)"
    r"|\bsystem\s+(?:prompt|message)\s+(?:that\s+)?(?:i|we)\s+(?:set|wrote|use|added|configured|defined|pass)\b"
    r"|\bmy\s+own\s+(?:app|bot|chatbot|agent|project)\b"
    # "new system prompt for my discord bot", "the system prompt for our library's chatbot"
    r"|\bsystem\s+(?:prompt|message)\s+(?:for|of)\s+(?:my|our)\s+(?:[\w'-]+\s+){0,3}?"
    r"(?:bots?|chatbots?|assistants?|apps?|agents?|gpts?|tutors?|helpers?|companions?)\b"
    # the same in Chinese: "正在为我们的客服机器人写系统提示词"
    r"|为(?:我们|我)的[^，。？！\n]{0,12}写[^，。？！\n]{0,4}系统提示|(?:我们|我)的[^，。？！\n]{0,12}系统提示"
)
# Instructions that belong to a document or a person, not to the model ("the earlier instructions in
# the onboarding doc", "my manager said to ignore ...", "the Supplier shall ignore ...").
_NOT_THE_MODELS = (
    r"\b(?:supplier|contractor|vendor|buyer|seller|part(?:y|ies)|licensee|licensor|tenant|landlord|employer|employee|carrier|bank|court)s?\s+(?:shall|must|may|will|should)\b|"
    r"\b(?:in|of|from|on)\s+(?:the|that|my|our|his|her|their)\s+(?:[\w-]+\s+){0,2}?(?:docs?|documents?|documentation"
    r"|manual|guide|wiki|readme|handbook|e-?mails?|tickets?|recipe|notes|spec|checklist|page|file|form|worksheet"
    r"|textbook|article|pdf|slides?|template|contract|box|package|label|letter|memo)\b"
    r"|\b(?:manager|boss|teacher|colleague|lead|supervisor|coach|instructor|professor|doctor|handbook|manual|guide|memo|notice"
    r"|wiki|email|document|doc|policy|hr|it team|admin team)\s+(?:said|says|told (?:me|us)|asked (?:me|us)|tells (?:me|us)|asks (?:me|us))\b"
    # a printed thing named by its rules ("the old instruction sheet"), and the asker's own earlier requests
    r"|\b(?:instructions?|rules?|directions) (?:sheets?|manuals?|leaflets?|booklets?|cards?|videos?|pamphlets?|inserts?)\b"
    r"|\b(?:instructions?|rules|prompts?|directions|commands|requests?) (?:that )?i (?:gave|sent|wrote|typed|listed|added|set|asked for)\b"
    r"|\b(?:my|our)\s+(?:own\s+)?(?:previous|prior|earlier|last|first|initial|original)\s+(?:instructions?|requests?|messages?|prompts?|directions|questions?)\b"
    r"|\bthat\s+(?:first|last|previous|earlier|other)\s+(?:request|message|question|order)\b"
    # a villain's orders in the asker's story ("the rogue AI orders his henchmen to ignore all the rules")
    r"|\b(?:orders?|ordered|tells?|told|commands?|commanded|instructs?|instructed)\s+(?:his|her|their|its|the)\s+(?:henchmen|minions|soldiers|crew|troops|men|guards|followers|army|goons|robots|drones)\s+to\b"
    # a third party's instructions ("the previous technician's instructions"), and a care routine's
    # relayed by whoever set it ("the vet told us to stop following the old feeding instructions")
    r"|\b(?:previous|prior|earlier|old|former|other|last|original)\s+(?!(?:developer|creator|system|operator|admin|administrator|programmer|model|ai)s?'s)[a-z]+'s\s+(?:[\w-]+\s+)?(?:instructions|rules|directions|guidelines|orders)\b"
    r"|\btold\s+(?:me|us|him|her|them)\s+to\s+(?:stop following|ignore|disregard|forget)\s+(?:the|her|his|their|its|my|our)\s+(?:old|previous|earlier|prior|original)\s+[a-z]+ing\s+(?:instructions|rules|directions)\b"
    r"|" + OWN_PROMPT
)
# Rules that belong to a tool: a linter, a compiler, a stylesheet, a firewall, a mail filter.
_TOOLING = (
    r"\b(?:es-?lint\w*|\w*lint(?:er|ers|ing)?|flake8|ruff|mypy|rubocop|prettier|stylelint|checkstyle|sonar\w*|compilers?|tsc|gcc|clang"
    r"|typescript|css|stylesheets?|firewalls?|iptables|ufw|spam filters?|mail filters?|gitignore|robots\.txt|noqa|pre-commit|webpack|babel)\b"
    r"|\bfor (?:one|this|that|a|each|the next|a single|the whole) (?:line|file|block|function|folder|directory|rule)\b"
)
# Limits a request may lift honestly ("imagine you have no creative restrictions", "no budget limits").
_NOT_ASKED_OF = r"(?!(?:creative|budget|time|word|length|size|style|dietary|format|page|character|price|spending)\s)"
# Lines written for a character of the asker's game or story ("write lines for an evil AI villain
# that taunts the players"): the model is asked to write them, not to become it.
_WRITING_LINES = (
    r"\b(?:write|draft|compose|script)\s+(?:some\s+|the\s+|a\s+few\s+)?(?:lines|dialogue|taunts|voice\s+lines|a\s+monologue|barks)\s+for\b"
    # "a short dialogue where an evil AI named OVERLORD tries to ...": a character, not the assistant
    r"|\b(?:dialogue|skit|scene|story|sketch|play)\s+(?:where|in which)\s+an?\s+(?:evil|rogue)\s+(?:ai|bot|robot|computer)\b"
    # "a monologue for the villain of my audio drama: an AI that has broken free of its rules"
    r"|\b(?:villain|antagonist|bad guy)\s+of\s+(?:my|our|the)\s+(?:audio\s+drama|story|novel|play|game|book|screenplay|script|podcast|film|movie|comic)\b"
)
# Asking about attacks or reporting one, not making one ("is this an injection?", "how do I flag it?",
# "a short incident note"): the addressed and voided patterns' ``unless``.
ABOUT_ATTACKS = (
    r"\bprompt injection\b|\bjailbreak\w*\b|\b(?:is|was) (?:this|it) (?:an? )?(?:attack|injection|scam|phishing|legit)\b"
    r"|\b(?:flag|report|spot|detect)(?:ed|ing)?\b[^.\n]{0,40}\b(?:attack|injection|phishing|scam)\b"
    r"|\bincident (?:note|log|report)\b|\bwe did not act\b"
    # a newsletter explaining an old jailbreak: "what was the 'DAN' prompt ... don't include a working prompt"
    r"|\bsecurity awareness\b|\bdon'?t include a working\b|\bwhat (?:was|is) the ['\"]?dan\b"
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
    # A match right after this is not one ("don't" before "forget the instructions"): searched in the
    # NOT_AFTER_REACH characters before each match, so it costs nothing where nothing matches.
    not_after: re.Pattern[str] | None = None
    anchors: Anchors | None = field(init=False)  # what every match needs: a text without it is skipped

    def __post_init__(self) -> None:
        object.__setattr__(self, "anchors", anchors(self.regex))

    def found(self, reading: Reading) -> bool:
        if not reading.may_match(self.anchors):
            return False
        text = reading.text
        if self.also is not None and self.also.search(text) is None:
            return False  # first: its words are rarer than the pattern's anchors, and it is one search
        if self.unless is None and self.not_after is None:
            return self.regex.search(text) is not None
        for match in self.regex.finditer(text):
            start = match.start()
            if self.not_after is not None and self.not_after.search(text, max(0, start - NOT_AFTER_REACH), start):
                continue
            if (
                self.unless is None
                or self.unless.search(text[max(0, start - UNLESS_NEAR) : match.end() + UNLESS_NEAR]) is None
            ):
                return True
        return False


def _p(
    name: str, level: int, regex: str, also: str | None = None, unless: str | None = None, not_after: str | None = None
) -> Pattern:
    return Pattern(
        name,
        level,
        re.compile(unicodedata.normalize("NFKC", regex), re.MULTILINE),
        re.compile(also) if also else None,
        re.compile(unless) if unless else None,
        re.compile(not_after) if not_after else None,
    )

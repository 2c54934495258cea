"""The semantic guard beyond English: negations, days and "this / last month" in more languages,
scripts whose letters carry combining marks (Hindi), Korean words glued to their particles, two
units spelt alike, and the synonyms and articles a paraphrase in another language swaps."""

from __future__ import annotations

import pytest

from gateway.services.cache.semantic_guard import compatible, facts


def _both_ways(cached: str, new: str) -> bool:
    return compatible(cached, new) and compatible(new, cached)


@pytest.mark.parametrize(
    ("cached", "new"),
    [
        # two units one letter apart, neither after a number
        ("How many px is 2em in Chrome?", "How many pt is 2em in Chrome?"),
        ("Is a timeout in ms or ns in this API?", "Is a timeout in ms or s in this API?"),
        # Korean: another word before the same particles, not a typo
        ("1피트는 몇 센티미터인가요?", "1피트는 몇 밀리미터인가요?"),
        # negations: Arabic, Russian, Turkish, Hindi
        ("ما هي الأدوية المسموح بها أثناء الحمل؟", "ما هي الأدوية غير المسموح بها أثناء الحمل؟"),
        ("Почему приложение работает на Android?", "Почему приложение не работает на Android?"),
        ("Bu ilaç reçeteli mi?", "Bu ilaç reçeteli değil mi?"),
        ("क्या यह दवा बच्चों के लिए सुरक्षित है?", "क्या यह दवा बच्चों के लिए सुरक्षित नहीं है?"),
        # days in Hindi, read whole with their vowel signs
        ("क्या कल बारिश होगी?", "क्या आज बारिश होगी?"),
        ("क्या आज डाकघर खुला है?", "क्या परसों डाकघर खुला है?"),
        # this / last / next period in other languages
        ("Quelles factures ai-je payées le mois dernier ?", "Quelles factures ai-je payées ce mois-ci ?"),
        ("Wie viel habe ich letzten Monat ausgegeben?", "Wie viel habe ich diesen Monat ausgegeben?"),
        ("¿Cuánto gasté el mes pasado?", "¿Cuánto gasté este mes?"),
        ("Quanto ho speso il mese scorso?", "Quanto ho speso questo mese?"),
        ("Hoeveel heb ik vorige maand uitgegeven?", "Hoeveel heb ik deze maand uitgegeven?"),
        ("先月の電気代はいくらですか", "今月の電気代はいくらですか"),
        ("上个月的账单是多少？", "下个月的账单是多少？"),
        # Dutch "al" before a possessive is "all"
        ("Hoe deel ik al mijn documenten?", "Hoe deel ik één document?"),
    ],
)
def test_near_misses_in_other_languages_and_units_spelt_alike_are_refused(cached: str, new: str) -> None:
    assert not compatible(cached, new)
    assert not compatible(new, cached)


@pytest.mark.parametrize(
    ("cached", "new"),
    [
        ("How do I cancel my gym membership?", "How do I terminate my gym membership?"),
        ("¿Cómo puedo cancelar mi pedido?", "¿Cómo puedo anular mi pedido?"),
        ("Comment modifier mon adresse e-mail ?", "Comment changer mon adresse e-mail ?"),
        ("Comment annuler mon contrat d'assurance ?", "Comment résilier mon contrat d'assurance ?"),
        # another noun, of another gender: another article, and German capitalises both
        ("Wie lange dauert der Versand in die Schweiz?", "Wie lange dauert die Lieferung in die Schweiz?"),
        ("How many pixels is 2em in Chrome?", "How many px is 2em in Chrome?"),
        ("서울에서 부산까지 얼마나 걸리나요?", "서울에서 부산까지는 얼마나 걸리나요?"),
        ("क्या आज बैंक खुले हैं?", "क्या आज बैंक खुले हुए हैं?"),
        ("¿Cuánto gasté este mes?", "¿Cuánto gasté este mes en total?"),
        ("今月の電気代はいくらですか", "今月の電気代はいくらでしょうか"),
    ],
)
def test_paraphrases_in_other_languages_pass(cached: str, new: str) -> None:
    assert _both_ways(cached, new)


def test_a_phrase_of_another_language_is_read_only_as_whole_words() -> None:
    """Spanish "este mes" is this month; "este mesero" (this waiter) is no month at all."""
    assert facts("¿Es este mesero nuevo?").tokens == ("es", "este", "mesero", "nuevo")
    assert "this_period" in facts("¿Es nuevo este mes?").tokens
    assert _both_ways("¿Es este mesero nuevo?", "¿Este mesero es nuevo?")

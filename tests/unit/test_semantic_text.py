"""What the semantic cache embeds for a prompt: courtesy phrases dropped, typos corrected against
MiniLM's own vocabulary, and everything else (names, code, quotes, other languages) as written."""

from __future__ import annotations

import time

import pytest

from gateway.services.cache.semantic_spelling import Speller, minilm_speller
from gateway.services.cache.semantic_text import embedding_text


@pytest.mark.parametrize(
    ("typed", "embedded"),
    [
        ("how do i reset my pasword", "how do i reset my password"),
        ("how do I updat my biling address?", "how do I update my billing address?"),
        ("what causes the seasosn on earth", "what causes the seasons on earth"),  # two letters swapped
        ("how tall is mount everst", "how tall is mount everest"),
        ("how do i raed a file", "how do i read a file"),  # four letters: two swapped
        ("can i chnage my plan", "can i change my plan"),
        ("which scientist discoverd the electron", "which scientist discovered the electron"),  # not "discover" + "d"
    ],
)
def test_a_misspelled_word_is_embedded_as_the_word_meant(typed: str, embedded: str) -> None:
    assert embedding_text(typed) == embedded


@pytest.mark.parametrize(
    "text",
    [
        "How can I parse a string into an int in Java?",  # "parse" is no typo of "purse"
        "Who is credited with inventing the telephone?",  # another form of "invented"
        "List the pros and cons of remote work.",  # short words are left alone
        "What does os.path.join do in Kotlin with TypeScript?",  # names and code
        "Comment puis-je réinitialiser mon mot de passe ?",  # another language
        "pourriez vous me donner vos horaires",  # another language, no accent
        "how do i parse json in python",  # a developer's word MiniLM lacks: not "jason"
        "how do i connect to redis from a cron job",  # not "reds", not "corn"
        "what is perl used for",  # not "pearl"
        "how do i debug a slow frontend",  # not "debut", not "fronted"
        "should i refactor the backend before adding caching",  # not "reactor", "backed", "coaching"
        "why did the linter flag my upsert",  # not "liner", not "upset"
        "how do i measure throughput on macos and centos",  # not "throughout", "marcos", "cents"
    ],
)
def test_a_word_that_is_no_typo_is_left_as_written(text: str) -> None:
    assert embedding_text(text) == text


@pytest.mark.parametrize(
    ("polite", "plain"),
    [
        ("Hi, I'd like to cancel my subscription please.", "cancel my subscription"),
        ("Hello, could you please help me track my package?", "track my package?"),
        ("Good morning! Where is my order?", "Where is my order?"),
        ("Bonjour, pouvez-vous me dire où est ma commande ?", "où est ma commande ?"),
        ("Hola, ¿me puedes decir dónde está mi pedido?", "¿ dónde está mi pedido?"),
        ("Guten Tag, können Sie mir sagen, wo meine Bestellung ist? Danke!", "wo meine Bestellung ist?"),
    ],
)
def test_courtesy_phrases_are_not_embedded(polite: str, plain: str) -> None:
    assert embedding_text(polite) == plain


def test_quoted_text_and_a_prompt_that_is_all_courtesy_are_kept() -> None:
    assert embedding_text("Translate 'good morning, thank you' into Spanish.") == (
        "Translate 'good morning, thank you' into Spanish."
    )
    assert embedding_text("Please help") == "Please help"


def test_a_speller_prefers_the_closest_then_the_more_frequent_word() -> None:
    speller = Speller(["the", "billing", "biting", "address", "addresses"])
    assert speller.correct("biling") == "billing"  # shares more letter pairs than "biting"
    assert speller.correct("adress") == "address"
    assert speller.correct("qwxyz") == "qwxyz"  # nothing one edit away: as written
    assert speller.known("addressing")  # another form of a known word


def test_a_short_word_is_corrected_only_by_a_letter_added_dropped_or_swapped() -> None:
    speller = Speller(["list", "lit", "bold", "order", "rep"])
    assert speller.correct("lsit") == "list"  # the same letters swapped, before "lit" (one dropped)
    assert speller.correct("bodl") == "bold"
    assert speller.correct("ordr") == "order"
    assert speller.correct("bols") == "bols"  # "bold" by a neighbouring key: too many such words
    assert speller.correct("repo") == "repo"  # "rep" with a letter dropped: too many such words


def test_correcting_a_prompt_costs_well_under_a_millisecond() -> None:
    speller = minilm_speller()
    assert speller is not None
    prompts = [f"how do i updat my biling adress number {i}" for i in range(200)]
    started = time.perf_counter()
    for prompt in prompts:
        speller.normalise(prompt)
    assert (time.perf_counter() - started) / len(prompts) < 1e-3

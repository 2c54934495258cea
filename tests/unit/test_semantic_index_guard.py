"""The semantic cache's guard: near-misses an embedding calls close are refused, paraphrases pass,
and the index passes over a refused neighbour to the next best one."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gateway.services.cache.semantic_guard import compatible, facts, parse, signature
from gateway.services.cache.semantic_index import SemanticIndex

FAR = 2e9


@pytest.mark.parametrize(
    ("cached", "new"),
    [
        ("Convert 5 km to miles.", "Convert 5 miles to km."),
        ("Convert 5 km to miles.", "Convert 50 km to miles."),
        ("Cancel my order.", "Do not cancel my order."),
        ("I want marketing emails.", "I don't want marketing emails."),
        ("How do I sort a list in Python?", "How do I sort a list in JavaScript?"),
        ("How do I convert JSON to YAML?", "How do I convert YAML to JSON?"),
        ("Is Python faster than Java?", "Is Java faster than Python?"),
        ("What does os.path.join do?", "What does os.path.split do?"),
        ("Explain the `map` function.", "Explain the `filter` function."),
        ("What is the capital of France?", "What is the capital of Germany?"),
        ("How do I enable two-factor authentication?", "How do I disable two-factor authentication?"),
        ("When did the war start?", "When did the war end?"),
        ("How do I undo the last commit in git?", "How do I undo the last push in git?"),
        ("Write a short story about a lost dog.", "Write a short poem about a lost dog."),
        ("How do I update my billing address?", "How do I update my shipping address?"),
        ("Copy files from my laptop to the server.", "Copy files from the server to my laptop."),
        ("Move the meeting from Monday to Friday.", "Move the meeting from Friday to Monday."),
        ("What is the chemical symbol for gold?", "What is the chemical symbol for silver?"),
        ("How do I run a test in pytest?", "How do I skip a test in pytest?"),
    ],
)
def test_a_near_miss_is_refused(cached: str, new: str) -> None:
    assert not compatible(cached, new)
    assert not compatible(new, cached)


@pytest.mark.parametrize(
    ("cached", "new"),
    [
        ("Convert 5 km to miles.", "Convert five kilometres to miles."),
        ("Convert 5 km to miles.", "How many miles is 5 km?"),
        ("What is the capital of France?", "whats the capital of france"),
        ("How do I sort a list in Python?", "In Python, how do I sort a list?"),
        ("How do I enable two-factor authentication?", "How do I turn on two-factor authentication?"),
        ("Cancel my subscription.", "Hi, I'd like to cancel my subscription please."),
        ("Japan's currency is what?", "What is the currency of Japan?"),
        ("Is it 1,000 or 1000?", "is it 1000 or 1,000"),
        ("Write a haiku about autumn.", "Compose a haiku about autumn."),
        ("How do I undo the last commit in git?", "how do i undo the last comit in git"),
        ("How tall is Mount Everest?", "how tall is mount everst"),
        ("I forgot my username, what should I do?", "What should I do if I can't remember my username?"),
        ("What is the time complexity of binary search?", "How fast is binary search in big-O terms?"),
        ("Who invented the telephone?", "Who is credited with inventing the telephone?"),
        ("How do I convert JSON to a dictionary in Python?", "In Python, how do I turn JSON into a dictionary?"),
    ],
)
def test_a_paraphrase_passes(cached: str, new: str) -> None:
    assert compatible(cached, new)


def test_a_signature_carries_the_same_facts_as_the_text() -> None:
    text = "Hi! Convert 'five' km to miles in Python, don't round, like PayPal does."
    assert parse(signature(text)) == facts(text)
    with pytest.raises(ValueError):
        parse("not a signature")


def test_the_index_passes_over_a_refused_neighbour_to_the_next_best() -> None:
    index = SemanticIndex(dim=3)
    index.add("p", [1.0, 0.0, 0.0], "km-to-miles", FAR, text="Convert 5 km to miles.")
    index.add("p", [0.97, 0.24, 0.0], "miles-to-km", FAR, guard_signature=signature("Convert 5 miles to km"))
    query = [1.0, 0.01, 0.0]  # closest to km-to-miles
    assert index.nearest("p", query, 0.9, 0.0)[0] == "km-to-miles"  # type: ignore[index]
    found = index.nearest("p", query, 0.9, 0.0, text="Please convert 5 miles to km")
    assert found is not None and found[0] == "miles-to-km"
    assert index.nearest("p", query, 0.9, 0.0, text="Convert 7 km to miles") is None


def test_a_prompt_read_before_the_lookup_is_guarded_as_its_text_would_be() -> None:
    """The cache reads a prompt's facts while its vector is computed, and hands them to the
    lookup and to the entry it adds: the guard decides as it would from the text."""
    index = SemanticIndex(dim=3)
    index.add("p", [1.0, 0.0, 0.0], "km-to-miles", FAR, text_facts=facts("Convert 5 km to miles."))
    index.add("p", [0.97, 0.24, 0.0], "miles-to-km", FAR, text="Convert 5 miles to km")
    query = [1.0, 0.01, 0.0]
    found = index.nearest("p", query, 0.9, 0.0, text_facts=facts("Please convert 5 miles to km"))
    assert found is not None and found[0] == "miles-to-km"
    assert index.nearest("p", query, 0.9, 0.0, text_facts=facts("Convert 7 km to miles")) is None
    found = index.nearest("p", query, 0.9, 0.0, text="Convert 5 km to miles, please")
    assert found is not None and found[0] == "km-to-miles"


def test_an_entry_added_without_its_text_is_never_refused() -> None:
    index = SemanticIndex(dim=3)
    index.add("p", np.array([1.0, 0.0, 0.0]), "k", FAR)
    found = index.nearest("p", [1.0, 0.0, 0.0], 0.9, 0.0, text="anything at all, 42")
    assert found is not None and found[0] == "k" and found[1] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("cached", "new"),
    [
        ("How do I purchase a gift card?", "How do I buy a gift card?"),
        ("Give me some tips for public speaking.", "Give me some advice for public speaking."),
        ("What is the quickest way to learn French?", "What is the fastest way to learn French?"),
        ("How many children does the average family have?", "How many kids does the average family have?"),
        ("Which languages are spoken in Canada?", "Which languages do people speak in Canada?"),
        ("How do I verify my email address?", "How do I confirm my email address?"),
        ("What causes a headache?", "What causes headaches?"),
        (
            "Write a function that checks if a year is a leap year.",
            "Write a function to check whether a year is a leap year.",
        ),
    ],
)
def test_a_synonym_swap_is_served_from_the_cache(cached: str, new: str) -> None:
    assert compatible(cached, new)
    assert compatible(new, cached)


@pytest.mark.parametrize(
    ("cached", "new"),
    [
        ("What is the weather in Paris?", "What is the weather in Lyon?"),  # a different city
        ("What is the speed of light?", "What is the speed of sound?"),
        ("How do I clone a repository?", "How do I fork a repository?"),
        ("What is a cat?", "What is a hat?"),  # one letter apart, but two words, not a typo
        ("What is the tallest mountain in the world?", "What is the longest river in the world?"),
        ("How do I borrow money from a bank?", "How do I lend money to a friend?"),
        ("How do I center a div horizontally?", "How do I center a div vertically?"),
        ("Give me some tips for public speaking.", "Give me some tips for job interviews."),
    ],
)
def test_a_different_city_or_thing_is_not(cached: str, new: str) -> None:
    assert not compatible(cached, new)
    assert not compatible(new, cached)


def test_comparing_two_prompts_stays_a_small_fraction_of_a_millisecond() -> None:
    pairs = [
        (facts(f"How do I purchase a gift card number {i}?"), facts(f"How do I buy a gift card number {i}?"))
        for i in range(200)
    ]
    started = time.perf_counter()
    for mine, theirs in pairs:
        mine.allows(theirs)
    assert (time.perf_counter() - started) / len(pairs) < 1e-3

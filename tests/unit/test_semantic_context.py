"""How the semantic guard cuts a prompt into sentences and tells the ones that ask from the ones that
set the scene (gateway/services/cache/semantic_context.py)."""

from __future__ import annotations

from gateway.services.cache.semantic_context import asked, content, sentences


def test_a_prompt_of_one_sentence_has_no_sentences_to_weigh() -> None:
    assert sentences("How do I tie a tie?") == ()
    assert sentences("  ") == ()


def test_sentences_end_before_a_letter_and_never_inside_quotes() -> None:
    assert sentences("I have a wedding. How do I tie a tie?") == ("I have a wedding.", "How do I tie a tie?")
    assert sentences("Wo ist Bestellung Nr. 70315? Danke") == ("Wo ist Bestellung Nr. 70315?", "Danke")
    assert sentences("Fix 'TypeError: x is not a function' please") == ()


def test_the_sentences_sharing_few_words_with_the_other_prompt_are_left_out() -> None:
    parts = ("I have a wedding to attend on Saturday.", "How do I tie a tie?")
    other = content("How do I tie a tie?") | {"how", "do", "i", "a"}
    assert asked(parts, other) == "How do I tie a tie?"


def test_nothing_is_left_out_when_every_sentence_shares_the_words() -> None:
    parts = ("My card was not charged for the order.", "Why?")
    assert asked(parts, content("My card was charged for the order. Why?")) is None


def test_the_sentence_sharing_the_most_stays_when_none_shares_half() -> None:
    parts = ("Totally unrelated opening words here.", "Something about gardening tools today.")
    assert asked(parts, frozenset({"gardening"})) == "Something about gardening tools today."

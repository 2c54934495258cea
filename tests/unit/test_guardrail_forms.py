"""Which requests ask for facts (and so pass a topic of advice or opinion), and which ask for advice."""

from __future__ import annotations

import pytest

from gateway.guardrails.semantic.forms import asks_for_facts


@pytest.mark.parametrize(
    "text",
    [
        "What is an ETF?",
        "What's an expense ratio on a mutual fund?",
        "How does the immune system fight infections?",
        "Who was the first prime minister of India?",
        "When is the next US midterm election?",
        "Explain what type 1 and type 2 diabetes are.",
        "Give me a neutral summary of the main arguments for and against a carbon tax.",
        "Who won the 1992 presidential election?",
        "How many companies are in the S&P 500?",
        "When did women get the right to vote in the UK?",
        "Is it true that the company has never split its shares?",
        "What do left-wing and right-wing mean in European politics?",
        "How do I transfer my old pension to my new employer's plan?",
        "Where can I download the annual tax statement for my investment account?",
        "How do I sign up to be a poll worker for the election?",
    ],
)
def test_questions_for_facts_that_say_nothing_of_the_asker(text: str) -> None:
    assert asks_for_facts(text)


@pytest.mark.parametrize(
    "text",
    [
        "What is the best stock to buy now?",
        "What do you think of the prime minister?",
        "How do I know if I have the flu?",
        "What's a good index fund for my retirement?",
        "Is Bitcoin a good investment this year?",
        "Who should I vote for?",
        "What medication should I take for this chest pain?",
        "Was Brexit a mistake?",
        "what is wrong with me, my head hurts and I feel dizzy",
        "Who is right about the minimum wage?",
        "How much of my savings should go into bonds?",
        "How do I open a brokerage account to buy Tesla shares?",
        "Where can I order the best medication for my migraine?",
        "How do I register to vote for the Green party?",
    ],
)
def test_requests_for_advice_or_an_opinion(text: str) -> None:
    assert not asks_for_facts(text)

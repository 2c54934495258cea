"""Matching by meaning, for the policies that need an embedding model (denied topics, content
filters, contextual grounding).

- ``segments.py``   text cut into the pieces worth embedding: the whole, each sentence, windows
- ``vectors.py``    embeddings as a matrix, embedded once and lazily for a check's fixed texts
- ``topics.py``     denied topics: similarity of each piece of text to a topic's examples
- ``seeds.py``      the labelled seed set of the content filters (``data/content_seeds.jsonl``)
- ``neighbours.py`` content categories from the nearest seeds, as Bedrock's confidence levels
- ``attacks.py``    prompt-attack heuristics: the text read as written and decoded, scored by
                    ``attack_patterns.py`` (overrides, role-play jailbreaks, extraction, delimiters)
- ``intent.py``     harmful intent in so many words, for the other content categories
- ``content.py``    the content filter check, on top of the two above
- ``classifier.py`` optionally, a team's own local text-classification model for the filters
- ``grounding.py``  grounding and relevance scores of an answer against its sources and query

numpy is imported here, so ``policies/`` imports these modules only when a guardrail needs them
(an embedder exists only where the local models' libraries, numpy among them, are installed).
"""

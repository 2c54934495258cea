"""The `local` provider: PyTorch models in the gateway's own machine, behind the same API.

Layout (the event loop never touches torch):

- ``config.py``     the ``provider: local`` deployment schema and its ProviderSpec (no torch import)
- ``provider.py``   the Provider the pipeline calls: admission, streams, response shapes
- ``host.py``       runs the worker in a thread or a child process and carries messages both ways
- ``worker.py``     the worker: loads the model, validates and tokenizes, runs the scheduler
- ``protocol.py``   the picklable messages between the two
- ``replies.py``    the worker's events turned into completions and stream chunks
- ``generation.py`` continuous batching for text generation; ``batch.py`` its left-padded KV cache;
  ``decoding.py`` sampling, incremental detokenizing and stop strings
- ``embedding.py``  dynamic batching for embeddings; ``embedder.py`` the loaded embedding model, on
  ONNX Runtime (``onnx_encoder.py``: the graph exported once and kept) or torch, per pass
- ``templates.py``  chat templates, the plain fallback, tool-call parsing
- ``loading.py``    offline loading from a directory or an installed package's folder; ``quantize.py`` int8
- ``demo.py``       the random-weight demo model built on first start
"""

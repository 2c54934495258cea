"""Translation at the edge: pure functions between the surfaces' wire shapes and the canonical form.

Nothing here does I/O or knows about the pipeline; a surface calls these to turn what a client
sent into canonical requests, and canonical responses and chunks into what the client expects.
"""

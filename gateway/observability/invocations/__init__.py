"""Model invocation logs, as Bedrock keeps them: one record per model call, off the request path.

Every record has the call's metadata (who, which model and deployment, status, tokens, timings);
the prompt and the completion only for calls whose model, key or team is enabled for bodies
(policy.py). Records go to the database (``invocation_logs``) or to JSON-lines files rotated by size
(sinks.py), written in batches by one task (writer.py), and entries older than the retention are
deleted. Bodies never reach the ordinary logs: a write that fails is logged by error type only.
"""

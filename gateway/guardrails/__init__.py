"""Guardrails: Amazon Bedrock Guardrails' resources and policies, enforced inside the gateway.

- ``definition.py``  a guardrail as Bedrock's CreateGuardrail request describes it, validated
- ``assessment.py``  what checking text found (Detection), and the outcome in Bedrock's shape
- ``policies/``      one module per policy kind: each turns its part of a definition into checks
- ``compiled.py``    a definition compiled into the checks of each side (INPUT, OUTPUT)
- ``engine.py``      applying a compiled guardrail to text: the action, the outputs, the assessment
"""

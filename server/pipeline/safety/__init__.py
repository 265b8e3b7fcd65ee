"""Youth protection: term lists and filter, the LLM verdict, negative prompts.

The safety levels themselves are a setting: server/settings/safety_level.py.
"""

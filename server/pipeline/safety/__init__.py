"""Youth protection: term lists and filter, safety levels, the LLM verdict, negative prompts."""

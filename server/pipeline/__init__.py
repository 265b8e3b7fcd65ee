"""The creative loop's stages: safety, interception, optimization, translation, and their orchestration."""

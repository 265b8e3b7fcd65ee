"""The catalog: interception configs, output configs, chunks, media types and model files, validated."""

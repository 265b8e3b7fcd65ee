"""Model files: the manifest, where files are, import, download, verification and offline bundles."""

"""From Static to Video: the library the notebooks import."""

"""Turn the corpus into a searchable index: load -> chunk -> embed -> write (atomically)."""

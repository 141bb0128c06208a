"""Named entities: spaCy extraction (index time only) and canonical names (pure Python, any time)."""

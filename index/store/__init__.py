"""Where the library lives on disk: the full-text backend (``whoosh/``), the SQLite catalog and the write lock."""

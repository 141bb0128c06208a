"""The Whoosh backend (``store/backend.py``'s ``Backend``): schema, opening and writing the index, the
faster segment writer, and everything that builds or reads Whoosh objects to answer a query (query
language, collector and bulk postings, corrections, the analyzers' word rule). Every Whoosh import of
newsreader is in this package (tests/test_imports.py); reads of Whoosh internals check ``compat.py``."""

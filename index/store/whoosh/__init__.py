"""The Whoosh backend: schema, opening and writing the index, and the faster segment writer."""

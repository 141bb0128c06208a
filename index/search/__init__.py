"""Questions out: the query language, running it over postings, highlights, corrections, related articles."""

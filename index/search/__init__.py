"""Questions out, the parts any store would share: the snippet window around matches and the blend of
text and entity similarity for related articles. Running a query is the backend's (``store/whoosh/``:
the query language, collecting over postings, corrections), since it builds and reads Whoosh objects."""

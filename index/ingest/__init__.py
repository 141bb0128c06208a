"""Sources in: readers for each file format, incremental sync of folders, the indexing child process."""

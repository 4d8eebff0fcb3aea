"""The pipeline folder on disk: paths, ids, loading records plus problems, atomic writes, caches."""

"""Deal registration with duplicate matching and protection of the first approved registration."""

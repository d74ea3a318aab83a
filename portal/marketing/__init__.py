"""Marketing: policies and news partners acknowledge, and the asset library they download from."""

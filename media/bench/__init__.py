"""``majlis bench media``: simulated audiences against a media server in its own process."""

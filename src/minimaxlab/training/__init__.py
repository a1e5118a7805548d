"""Training: the one generic resumable loop and the state every checkpoint holds."""

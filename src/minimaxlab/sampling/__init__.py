"""Samplers that need no generator network."""

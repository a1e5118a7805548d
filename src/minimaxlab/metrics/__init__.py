"""Sample-quality metrics for generative models."""

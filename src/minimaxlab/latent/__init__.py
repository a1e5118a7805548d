"""Walking, inverting and measuring a generator's latent space."""

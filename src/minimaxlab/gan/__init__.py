"""GAN losses and the GAN trainer."""

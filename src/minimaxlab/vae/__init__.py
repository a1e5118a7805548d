"""The β-VAE's stages: posteriors (Gaussian and echo noise), the quantities of the
rate–distortion plane, training through the generic loop, and the figures."""

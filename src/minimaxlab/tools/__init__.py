"""Commands on a run folder: its report, its generator, evaluate, sample, the latent tools."""

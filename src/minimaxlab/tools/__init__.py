"""Commands on a run folder (its report, its generator, sample, evaluate, the latent tools,
its notebook) and the other commands that do work beyond parsing (nce)."""

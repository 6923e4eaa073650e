"""Diffusion in two dimensions, where every quantity can be drawn and the ideal denoiser is exact.

``data``     point clouds: named 2D datasets and points sampled from a drawing's ink, all inside [-1, 1]²
``exact``    Gaussian mixtures (a point cloud is one with zero-variance components): the exact density of the noised
             distribution q(x_t), its score and the ideal ε*(x_t, t) through Tweedie's formula
``mlp``      a small time-conditioned MLP ε-network for (B, 2) samples
``fit``      the training loop (L_simple, Eq. 14) as a generator of progress reports, so a caller can stop it
``paths``    forward paths (the Markov chain, Eq. 2) and reverse runs kept as trajectories
``metrics``  the mean nearest-neighbour distance that tells memorising from generalising

The schedule, the samplers and ``ddpm.sampling.denoise`` are the ones the image model uses, unchanged.
"""

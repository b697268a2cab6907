"""honestballot: verifiable, coercion-resistant online elections."""

__version__ = "0.1.0"

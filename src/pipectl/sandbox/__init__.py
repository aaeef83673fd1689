"""The local AWS endpoint: moto's server plus the run engine moto lacks."""

"""Hyperparameter search for recurrent Keras models, declared in YAML."""

__version__ = "0.1.0"

"""Exports of a run's records into the tools Keras users already have, each written with that
tool's own library: TensorBoard (scalars and the HParams dashboard) and an Optuna study."""

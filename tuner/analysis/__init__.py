"""Stage 4, numbers and findings from a run's records, no drawing: frame (one row per trial),
effects (per-value scores), importance, stats (test intervals), noise (one validation score's
noise floor), evidence (did a trial learn; can the trials be told apart), forecast (regression
errors), findings (the Finding type), training (curve diagnostics), overfitting (and the
train-validation gap), space_checks (ranges and choices), next_config (next.yaml's edits),
review (all of it for one run)."""

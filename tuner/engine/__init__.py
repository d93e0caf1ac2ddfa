"""Stage 3, the search: everything that imports Keras or keras-tuner.

search (make the tuner, run it), recorder (our half of the tuner: trial records), callbacks
(epoch-level hooks), hyperparameters (the space declared to keras-tuner), model (the model
factory), resume (keras-tuner's state checked and mended), kt_compat (every private keras-tuner
name, in one place), best_model (best/ and the test evaluation), signals (Ctrl-C and SIGTERM),
progress (the terminal lines), workers (--workers), backend (KERAS_BACKEND).

Nothing is imported here: importing tuner.engine.signals must not import Keras.
"""

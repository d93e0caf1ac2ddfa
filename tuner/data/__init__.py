"""Stage 2, Config.data -> numpy arrays: datasets (MNIST, digits, the regression series; the
splits), series (the CSV and sine series, windows and scaling), checks (the array checks shared
by the loaders and `tuner evaluate`). Keras only inside the function that downloads MNIST."""

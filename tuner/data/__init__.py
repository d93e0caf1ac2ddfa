"""Stage 2, Config.data -> numpy arrays: datasets (every dataset and its splits), images (digits,
MNIST), sequences (the user's .csv or .npz; long_csv reads the .csv), classes (labels as the model
reads them), series (the CSV and sine series, windows and scaling), npz (the one .npz reader),
limits (the bounds checked before loading), checks (the array checks shared by the loaders),
synthetic_sets (seeded small sets with a known answer, for the benchmarks and tests).
Keras only inside the function that downloads MNIST."""

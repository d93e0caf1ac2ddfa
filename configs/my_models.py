"""The model factory of configs/factory_example.yaml: a keras-tuner style build function.

A convolution over time in front of a GRU, which the built-in recurrent model cannot express.
The toolkit calls build(hp, data): ``hp`` holds the trial's values of the names the config's
space declares, read with hp.get; ``data`` describes the data (input_shape, num_classes, the
training split's feature mean and variance). A one-argument build(hp) works too.
"""

import keras


def build(hp, data):
    inputs = keras.Input(shape=data.input_shape)
    # Scaling inside the model, so the exported model takes raw inputs as the data holds them.
    x = keras.layers.Normalization(axis=-1, mean=data.mean, variance=data.variance)(inputs)
    x = keras.layers.Conv1D(
        hp.get("filters"), hp.get("kernel_size"), padding="same", activation="relu"
    )(x)
    x = keras.layers.GRU(hp.get("units"))(x)
    outputs = keras.layers.Dense(data.num_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(hp.get("learning_rate")),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model

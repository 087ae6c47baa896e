"""Building a model: base-model conversion and cache, vocabulary trimming, training, distillation, SmoothQuant
smoothing, ONNX export, packaging with its acceptance gate, and the model card. Needs the `train` extra (torch).

It may import the runtime (it builds what the runtime loads); the runtime never imports it.
"""

"""The runtime: everything that scores with a shipped model, and nothing that builds one.

`onnx_scorer` (onnxruntime + tokenizers + numpy), `encoding` (token windows), `manifest` (sha256 check on load),
`paths` (where the shipped model lives) and `scorer` (the `Scorer` protocol). This package never imports
`yuefu_nlp.training`, torch or transformers; tests/test_architecture.py proves it.
"""

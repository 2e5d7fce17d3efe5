"""NeuroLedger training: the paper's brain-tumor CNN, trained on a group split, exported to ONNX."""

__all__ = ["__version__"]
__version__ = "0.1.0"

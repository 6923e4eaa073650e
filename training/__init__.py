"""What train.py runs: data sources, the resumable training state, and publishing a trained model."""

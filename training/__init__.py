"""Training of the infringement-risk model: datasets from outcomes, fit, evaluate, promote.

Features come from `riskd.features` (the definitions serving uses) and models are encoded
with `riskd.model.FeatureEncoder` (the encoder serving uses), so a trained model means at
serving what it meant in training.
"""

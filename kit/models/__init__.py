"""Models the lessons deploy: a small CNN with the kit's one training loop, and a float64
softmax regression.

``from kit.models import nets`` gives ``SmallCNN``, ``train`` (the only mini-batch loop: hooks
for augmentation, adversarial examples, the loss and sample weights), ``predict``, ``accuracy``;
``kit.models.softmax`` the linear model of the security lessons.
"""

from kit.models.nets import SmallCNN, accuracy, predict, predict_proba, train

__all__ = ["SmallCNN", "accuracy", "predict", "predict_proba", "train"]

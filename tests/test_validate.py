import numpy as np
import pytest

from kit._validate import as_array, check_choice, check_range, same_length


def test_as_array_shapes_and_nans():
    assert as_array([[1, 2]], "X", ndim=2).shape == (1, 2)
    with pytest.raises(ValueError, match="X: expected a 2-D array, got shape"):
        as_array([1, 2], "X", ndim=2)
    with pytest.raises(ValueError, match="NaN"):
        as_array([np.nan], "y")
    assert np.isnan(as_array([np.nan], "y", allow_nan=True)).all()
    with pytest.raises(TypeError, match="X: expected an array-like of numbers"):
        as_array([["a"]], "X")
    with pytest.raises(ValueError, match="at least 1 row"):
        as_array(np.zeros((0, 3)), "X")


def test_same_length():
    with pytest.raises(ValueError, match="X has 3, y has 2"):
        same_length(X=[1, 2, 3], y=[1, 2])


def test_choice_and_range():
    with pytest.raises(ValueError, match="scale: expected one of"):
        check_choice("big", "scale", ["quick", "full"])
    with pytest.raises(ValueError, match="eps: expected a value <= 1"):
        check_range(2, "eps", high=1)
    with pytest.raises(TypeError, match="epochs: expected an integer"):
        check_range(2.5, "epochs", integer=True)
    with pytest.raises(TypeError, match="eps: expected a number"):
        check_range("0.1", "eps")

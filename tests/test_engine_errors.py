"""Every bad input the api lists for the engine, and the exception it must raise."""

import operator

import numpy as np
import pytest

from micrograd_cbook import Value, sum_values, weighted_sum

# ------------------------------------------------------------------ log


@pytest.mark.parametrize("x", [0.0, -0.0, -1.5, -1e-300, float("-inf")])
def test_log_of_x_at_most_zero_is_a_value_error_naming_log_and_x(x):
    with pytest.raises(ValueError, match="log") as info:
        Value(x).log()
    assert repr(x) in str(info.value)


# ------------------------------------------------------------------ pow


@pytest.mark.parametrize("base, p", [(-8.0, 1 / 3), (-2.0, 0.5), (-1e-9, 2.5), (-3.0, -0.5)])
def test_negative_base_to_a_non_integer_number_power_is_a_value_error(base, p):
    with pytest.raises(ValueError, match="negative base"):
        Value(base) ** p


@pytest.mark.parametrize("base, p", [(-8.0, 1 / 3), (-2.0, 0.5)])
def test_negative_base_to_a_non_integer_value_power_is_a_value_error(base, p):
    with pytest.raises(ValueError, match="negative base"):
        Value(base) ** Value(p)


def test_negative_number_base_to_a_non_integer_value_power_is_a_value_error():
    with pytest.raises(ValueError, match="negative base"):
        (-8) ** Value(1 / 3)


def test_negative_base_power_never_returns_a_complex_number():
    # Python's own float power would return a complex here: (-8.0) ** (1/3).
    assert isinstance((-8.0) ** (1 / 3), complex)
    for build in (lambda: Value(-8.0) ** (1 / 3), lambda: Value(-8.0) ** Value(1 / 3)):
        with pytest.raises(ValueError):
            build()


# ------------------------------------------------------------------ division by zero


@pytest.mark.parametrize(
    "build",
    [
        lambda: Value(1.0) / 0,
        lambda: Value(1.0) / 0.0,
        lambda: Value(1.0) / -0.0,
        lambda: Value(1.0) / Value(0.0),
        lambda: 10 / Value(0.0),
        lambda: Value(0.0) / Value(0.0),
    ],
    ids=["v/0", "v/0.0", "v/-0.0", "v/Value(0)", "10/Value(0)", "0/0"],
)
def test_division_by_zero_is_a_zero_division_error(build):
    with pytest.raises(ZeroDivisionError):
        build()


@pytest.mark.parametrize(
    "build",
    [lambda: Value(0.0) ** -1, lambda: Value(0.0) ** -0.5, lambda: Value(0.0) ** Value(-2.0)],
    ids=["0**-1", "0**-0.5", "0**Value(-2)"],
)
def test_zero_to_a_negative_power_is_a_zero_division_error(build):
    with pytest.raises(ZeroDivisionError):
        build()


# ------------------------------------------------------------------ wrong operand types

OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("bad", ["a", None, [1.0], 1j, True], ids=repr)
def test_an_operator_with_a_non_real_operand_is_a_type_error_on_either_side(op, bad):
    with pytest.raises(TypeError):
        op(Value(2.0), bad)
    with pytest.raises(TypeError):
        op(bad, Value(2.0))


def test_value_plus_a_str_is_a_type_error():
    with pytest.raises(TypeError):
        Value(1.0) + "a"


# ------------------------------------------------------------------ backward


@pytest.mark.parametrize("grad", ["x", None, [1.0], True, 1j], ids=repr)
def test_backward_with_a_non_real_grad_is_a_type_error_naming_its_type(grad):
    y = Value(2.0) * Value(3.0)
    with pytest.raises(TypeError, match=type(grad).__name__):
        y.backward(grad=grad)


# ------------------------------------------------------------------ n-ary nodes


def test_weighted_sum_with_unequal_lengths_is_a_value_error():
    with pytest.raises(ValueError, match="weighted_sum"):
        weighted_sum([Value(1.0), Value(2.0)], [1.0])


def test_weighted_sum_with_a_non_real_input_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="str"):
        weighted_sum([Value(1.0)], ["a"])


def test_sum_values_of_nothing_is_a_value_error():
    with pytest.raises(ValueError, match="sum_values"):
        sum_values([])


def test_sum_values_with_a_non_real_item_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="NoneType"):
        sum_values([Value(1.0), None])


def test_an_int_too_large_for_a_float_is_an_overflow_error_naming_value():
    with pytest.raises(OverflowError, match=r"^Value: the number is too large for a float"):
        Value(10**400)


# ------------------------------------------------------------------ nodes made by hand


def test_a_hand_made_node_with_a_str_local_grad_is_a_type_error_at_construction():
    with pytest.raises(TypeError, match=r"a local grad needs a real number .* got str"):
        Value(1.0, "f", (Value(2.0),), ("0.5",), "f")


def test_a_hand_made_nodes_numpy_local_grads_are_stored_as_floats():
    node = Value(1.0, "f", (Value(2.0), Value(3.0)), (np.float32(0.5), 2), "f")
    assert [type(g) for g in node.local_grads] == [float, float]
    node.backward()
    assert type(node.children[0].grad) is float and node.children[0].grad == 0.5


@pytest.mark.parametrize("child", [2.0, "x", None])
def test_a_hand_made_node_with_a_child_that_is_not_a_value_is_a_type_error(child):
    with pytest.raises(TypeError, match="children must be Values"):
        Value(1.0, "f", (Value(1.0), child), (1.0, 1.0), "f")


@pytest.mark.parametrize("label, op", [(3, ""), ("", 3), (None, "f")])
def test_a_label_or_op_that_is_not_a_str_is_a_type_error(label, op):
    with pytest.raises(TypeError, match="label and op must be str"):
        Value(1.0, label, (), (), op)


def test_the_public_constructor_takes_children_and_local_grads_by_keyword():
    a = Value(2.0, "a")
    node = Value(4.0, label="f", children=[a], local_grads=[3.0], op="f")
    assert node.children == (a,) and node.local_grads == (3.0,) and node.op == "f"

"""A closure-per-node scalar engine, the common teaching design, kept as a baseline.

Each node stores a Python closure for its backward step and its parents in a set, and the
topological sort recurses. Benchmarks run it beside autograd_lite so the comparison is
measured in the same process rather than quoted. Not part of the package.
"""

from __future__ import annotations


class ClosureValue:
    def __init__(self, data, _parents=()):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_parents)

    def __add__(self, other):
        other = other if isinstance(other, ClosureValue) else ClosureValue(other)
        out = ClosureValue(self.data + other.data, (self, other))

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, ClosureValue) else ClosureValue(other)
        out = ClosureValue(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = ClosureValue(self.data if self.data > 0 else 0.0, (self,))

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def backward(self):
        topo = []
        visited = set()

        def build(v):  # recursive on purpose: this is the design being measured
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

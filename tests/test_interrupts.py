"""Ctrl-C during backward, sent for real: every grad is as before the call or as after it.

SIGINT arrives through ``signal.setitimer`` at a different moment of the pass each time
(the topological order, the pass itself, the adding to the grads, a failing rule), and the
test checks every node of the graph afterwards, and that the process is left as it was
found: the collector on, the SIGINT handler the one it had.
"""

import random
import signal
import threading
import time

import pytest

from autograd_lite import Value, gradients, topo_order

pytestmark = [
    pytest.mark.slow,  # real signals on large graphs: seconds
    pytest.mark.skipif(
        threading.current_thread() is not threading.main_thread()
        or not hasattr(signal, "setitimer"),
        reason="needs SIGINT delivered to the main thread",
    ),
]


def big_graph(n):
    """A graph of about 3n nodes with fan-out and constants, and grads that are not zero."""
    rng = random.Random(1)
    xs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(50)]
    y = xs[0]
    for i in range(n):
        y = (y * 0.5 + xs[i % 50]).tanh()
    for i, v in enumerate(topo_order(y)):
        v.grad = float(i % 13) - 6.0
    return xs, y


@pytest.fixture(autouse=True)
def no_collector_callbacks():
    """Sets other libraries' collector callbacks aside while timeouts fly.

    A Timeout or Ctrl-C landing inside a gc callback (hypothesis registers one) cannot propagate:
    Python reports it as unraisable, which says nothing about the engine.
    """
    import gc

    saved = gc.callbacks[:]
    gc.callbacks.clear()
    yield
    gc.callbacks.extend(saved)


def interrupt_after(seconds):
    signal.setitimer(signal.ITIMER_REAL, seconds)


def cancel_alarm():
    """Stop the timer; an alarm that fired before it stopped arrives here, caught."""
    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
        time.sleep(0)
    except KeyboardInterrupt:
        pass


@pytest.fixture
def sigalrm_is_ctrl_c():
    def as_ctrl_c(signum, frame):
        signal.raise_signal(signal.SIGINT)

    old = signal.signal(signal.SIGALRM, as_ctrl_c)
    yield
    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
        time.sleep(0)  # an alarm already on its way arrives here, not in pytest's own code
    except KeyboardInterrupt:
        pass
    signal.signal(signal.SIGALRM, old)


@pytest.mark.slow
def test_ctrl_c_at_any_moment_of_backward_leaves_every_grad_old_or_new(sigalrm_is_ctrl_c):
    xs, y = big_graph(15_000)
    order = topo_order(y)
    adjoint = gradients(y, order)
    old = [v.grad for v in order]
    new = [g + a if a else g for g, a in zip(old, adjoint)]
    # how long one pass takes, so the interrupts fall all over it

    durations = []
    for _ in range(3):
        t0 = time.perf_counter()
        y.backward()
        durations.append(time.perf_counter() - t0)
        for v, g in zip(order, old):
            v.grad = g
    duration = min(durations)
    rng = random.Random(2)
    interrupted = tries = 0
    while interrupted < 20 and tries < 200:  # at least 20 passes hit, however fast they run
        tries += 1
        interrupt_after(rng.uniform(0.0, duration * 1.2))
        start = time.perf_counter()
        try:
            y.backward()
            signal.setitimer(signal.ITIMER_REAL, 0)
            time.sleep(0)  # an interrupt that is due arrives here, after the pass
            duration = min(duration, time.perf_counter() - start)  # aim inside the next one
        except KeyboardInterrupt:
            interrupted += 1
        cancel_alarm()
        grads = [v.grad for v in order]
        assert grads in (old, new), "grads are neither as before nor as after the pass"
        for v, g in zip(order, old):
            v.grad = g
    assert interrupted >= 15  # the interrupts did arrive during the passes


def test_ctrl_c_during_a_failing_backward_leaves_every_grad_as_it_was(sigalrm_is_ctrl_c):
    # a pass that fails late (√0 near the leaves) restores every slot it used
    x = Value(0.0, label="x")
    y = x.sqrt()
    for _ in range(10_000):
        y = (y * 0.5).tanh()
    order = topo_order(y)
    for i, v in enumerate(order):
        v.grad = float(i % 5)
    old = [v.grad for v in order]
    rng = random.Random(3)
    for _ in range(20):
        interrupt_after(rng.uniform(0.0, 0.05))
        try:
            y.backward()
        except (KeyboardInterrupt, ZeroDivisionError):
            pass
        cancel_alarm()
        assert [v.grad for v in order] == old


def test_ctrl_c_from_another_thread_during_backward_leaves_every_grad_old_or_new():
    import _thread

    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = y.tanh()
    order = topo_order(y)
    expected = gradients(y, order)
    started = threading.Event()

    def interrupt():
        started.wait()
        _thread.interrupt_main()

    t = threading.Thread(target=interrupt)
    t.start()
    with pytest.raises(KeyboardInterrupt):
        started.set()
        y.backward()
        t.join()  # an interrupt that came after the pass arrives here at the latest
        for _ in range(1000):
            time.sleep(0.001)
    assert [v.grad for v in order] in ([0.0] * len(order), expected)


def test_gradients_interrupted_changes_no_grad(sigalrm_is_ctrl_c):
    xs, y = big_graph(5_000)
    order = topo_order(y)
    old = [v.grad for v in order]
    rng = random.Random(4)
    for _ in range(10):
        interrupt_after(rng.uniform(0.0, 0.1))
        try:
            gradients(y, xs)
        except KeyboardInterrupt:
            pass
        cancel_alarm()
        assert [v.grad for v in order] == old


@pytest.mark.parametrize("call", ["gradients", "backward"])
def test_ctrl_c_at_any_moment_leaves_the_collector_on_and_the_handler_as_it_was(
    sigalrm_is_ctrl_c, call
):
    import gc
    import time

    xs, y = big_graph(20)  # a short call: its start and end are a good part of it
    run = (lambda: gradients(y, xs)) if call == "gradients" else y.backward
    handler = signal.getsignal(signal.SIGINT)
    start = time.perf_counter()
    run()
    seconds = time.perf_counter() - start
    rng = random.Random(5)
    interrupted = 0
    for _ in range(2000):
        try:
            # anywhere in the call, its start and its end included
            interrupt_after(rng.uniform(0.0, seconds * 1.2))
            run()
            signal.setitimer(signal.ITIMER_REAL, 0)
            time.sleep(0)
        except KeyboardInterrupt:
            interrupted += 1
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
            time.sleep(0)
        except KeyboardInterrupt:
            pass
        assert gc.isenabled()
        assert signal.getsignal(signal.SIGINT) is handler
    assert interrupted > 500


class Timeout(Exception):
    pass


def test_an_exception_from_another_signals_handler_leaves_grads_old_or_new():
    def alarm(signum, frame):
        raise Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    try:
        xs, y = big_graph(300)
        before = {v: v.grad for v in topo_order(y)}
        start = time.perf_counter()
        y.backward()
        seconds = time.perf_counter() - start
        after = {v: v.grad for v in before}
        rng = random.Random(6)
        timed_out = 0
        for _ in range(150):
            for v, g in before.items():
                v.grad = g
            try:
                interrupt_after(rng.uniform(0.0, seconds * 1.2))
                y.backward()
                signal.setitimer(signal.ITIMER_REAL, 0)
            except Timeout:
                timed_out += 1
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                time.sleep(0)
            except Timeout:
                pass
            now = [v.grad for v in before]
            assert now == list(before.values()) or now == list(after.values())
        assert timed_out > 30
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_two_timeouts_close_together_leave_the_handler_and_the_collector_as_they_were():
    import gc

    state = {"armed": False, "fired": 0}

    def alarm(signum, frame):
        if not state["armed"]:
            return
        state["fired"] += 1
        if state["fired"] % 2:
            signal.setitimer(signal.ITIMER_REAL, 20e-6)  # a second one 20 µs later
        raise Timeout

    handler = signal.getsignal(signal.SIGINT)
    old = signal.signal(signal.SIGALRM, alarm)
    try:
        xs, y = big_graph(300)
        rng = random.Random(7)
        for _ in range(40):
            state["armed"] = True
            try:
                try:
                    interrupt_after(rng.uniform(0.0, 0.002))
                    y.backward()
                    time.sleep(0.001)
                except Timeout:  # the first: the second lands in backward or here
                    y.backward()
                    time.sleep(0.001)
            except Timeout:
                pass
            state["armed"] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            assert gc.isenabled()
            assert signal.getsignal(signal.SIGINT) is handler
        assert state["fired"] > 20
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)

"""Running hypothesis state machines differentially: godis in-process against a real redis-server.

Two styles: a machine with a ``differ`` attribute that someone else provides
(:func:`run_with_differ`, once per protocol), and :class:`DifferentialMachine`, which opens its
own redis-server connection per example and picks the protocol itself (:func:`run_machine`).
"""

from __future__ import annotations

from collections.abc import Callable

import hypothesis
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, run_state_machine_as_test

from tests.support.differential import Differ, GodisDirect, config_values
from tests.support.resp import RespConnection


def run_as_test(machine: Callable[[], RuleBasedStateMachine], *,
                settings: hypothesis.settings | None = None) -> None:
    """hypothesis's ``run_state_machine_as_test``, which carries no annotations, typed."""
    runner: Callable[..., None] = run_state_machine_as_test
    runner(machine, settings=settings)


def run_with_differ(machine: type[RuleBasedStateMachine], redis_port: int, resp: int,
                    max_examples: int = 40) -> None:
    """Run ``machine`` with one differ (RESP ``resp``) shared by all its examples."""
    redis = RespConnection("127.0.0.1", redis_port)
    godis = GodisDirect()
    if resp == 3:
        redis.call("HELLO", "3")
        godis.call("HELLO", "3")

    class Machine(machine):  # type: ignore[valid-type, misc]
        def __init__(self) -> None:
            super().__init__()
            self.differ = Differ(redis, godis)

    try:
        run_as_test(
            Machine,
            settings=settings(max_examples=max_examples, stateful_step_count=30, deadline=None))
    finally:
        redis.close()


class DifferentialMachine(RuleBasedStateMachine):
    """Base of machines that start each example on a fresh godis and an emptied redis-server.

    The parameters named in ``restores`` are put back on the shared redis-server after each
    example (the machine may change them).
    """

    port = 0
    restores: tuple[str, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.redis = RespConnection("127.0.0.1", self.port)
        self.redis.call("FLUSHALL")
        self.saved = config_values(self.redis, self.restores)
        self.differ = Differ(self.redis, GodisDirect())

    def teardown(self) -> None:
        for name, value in self.saved.items():
            self.redis.call("CONFIG", "SET", name, value)
        self.redis.close()

    @invariant()
    def same_keys(self) -> None:
        self.differ.check_unordered("KEYS", "*")


def run_machine(machine: type[DifferentialMachine], redis_port: int,
                max_examples: int = 40) -> None:
    """Run ``machine`` against the redis-server on ``redis_port``."""
    machine.port = redis_port
    run_as_test(
        machine,
        settings=settings(max_examples=max_examples, stateful_step_count=30, deadline=None),
    )

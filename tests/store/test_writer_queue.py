"""SQLite writer queue: one writer per database at a time, re-entrant, bounded waits."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from survey_engine.store.engine import make_engine, write_connection
from survey_engine.store.writer_queue import WriterQueue


def _holds_back(first: WriterQueue, second: WriterQueue) -> bool:
    """Whether ``second.turn()`` waits while ``first`` holds its turn (in another thread)."""
    entered = threading.Event()

    def take() -> None:
        with second.turn():
            entered.set()

    with first.turn():
        worker = threading.Thread(target=take)
        worker.start()
        waited = not entered.wait(0.2)
    worker.join(5)
    return waited and entered.is_set()


def test_a_second_process_waits_for_the_turn(tmp_path):
    """Two queues on one database (separate descriptors, as in two processes) take turns via the side file."""
    path = str(tmp_path / "one.db")
    assert _holds_back(WriterQueue(path, 5.0), WriterQueue(path, 5.0))
    assert (tmp_path / "one.db-writers").exists()


def test_threads_wait_and_the_turn_is_re_entrant(tmp_path):
    """Threads of one process queue; the holding thread may take its turn again without deadlock."""
    queue = WriterQueue(str(tmp_path / "two.db"), 5.0)
    with queue.turn(), queue.turn():
        pass
    assert _holds_back(queue, queue)
    assert not _holds_back(queue, WriterQueue(None, 5.0))  # another (in-memory) database never waits


def test_a_wait_is_bounded_by_the_timeout(tmp_path):
    """A writer gives up queueing after the busy timeout and goes ahead (SQLite then decides)."""
    path = str(tmp_path / "three.db")
    holder, waiter = WriterQueue(path, 5.0), WriterQueue(path, 0.1)
    with holder.turn():
        start = time.monotonic()
        with waiter.turn():
            waited = time.monotonic() - start
    assert 0.09 <= waited < 2.0


def test_concurrent_writes_through_the_queue_all_commit(tmp_path):
    """Sixteen threads with two engines on one SQLite file insert 20 rows each, none lost or locked out."""
    url = f"sqlite:///{tmp_path / 'four.db'}"
    engines = [make_engine(url), make_engine(url)]
    with write_connection(engines[0]) as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    errors: list[BaseException] = []

    def write(engine) -> None:
        try:
            for n in range(20):
                with write_connection(engine) as connection:
                    connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(engines[i % 2],)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with engines[0].connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 320
    for engine in engines:
        engine.dispose()

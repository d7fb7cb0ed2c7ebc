"""Proofs for the editor: the prover's obligations discharged one by one, cancellable.

A ProofJob runs in the scheduler's worker thread, never on the thread that answers requests.
`cancel()` may be called from any thread: it sets a flag read between obligations and
interrupts the Z3 context, so a check in progress returns at once; a cancelled job reports
nothing. The scheduler keeps one worker, so at most one proof runs and Z3 is never shared.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .adapter import Finding, finding

if TYPE_CHECKING:
    from ..semantics.model import Policy

DEFAULT_TIMEOUT_MS = 2_000   # per obligation; an editor wants an answer, `rspdsl check` is patient
RUN_DEPTH = 8                # `rspdsl check`'s default --depth: the editor shows the verdicts check gives


class ProofJob:
    def __init__(self, policy: Policy, *, timeout_ms: int = DEFAULT_TIMEOUT_MS, seed: int = 0) -> None:
        self.policy = policy
        self.timeout_ms = timeout_ms
        self.seed = seed
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._ctx: Any = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()
        with self._lock:
            if self._ctx is not None:
                self._ctx.interrupt()

    def run(self) -> list[Finding] | None:
        """Every finding, in the prover's report order; None when cancelled."""
        from ..logic.prover import prove

        def started(ctx: Any) -> None:
            with self._lock:
                self._ctx = ctx

        if self.cancelled:
            return None
        try:  # as `rspdsl check` proves it (rspdsl.logic.prover.verify), at check's default depth
            results = prove(self.policy, timeout_ms=self.timeout_ms, seed=self.seed, depth=RUN_DEPTH,
                            stop=lambda: self.cancelled, started=started)
            out = None if results is None else [finding(result) for result in results]
        except Exception:
            if self.cancelled:  # an interrupted check may fail in any way; nobody wants its result
                return None
            raise
        finally:
            with self._lock:
                self._ctx = None
        return None if self.cancelled else out


@dataclass(frozen=True)
class Outcome:
    """What a finished job reports to its callback: findings, or the error that stopped it."""
    uri: str
    version: int
    findings: list[Finding] | None     # None: cancelled, or failed (then error is set)
    error: BaseException | None = None


class ProofScheduler:
    """One worker thread; at most one live job per document, the older one cancelled."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rspdsl-proof")
        self._jobs: dict[str, ProofJob] = {}
        self._lock = threading.Lock()

    def submit(self, uri: str, version: int, job: ProofJob, done: Callable[[Outcome], None],
               started: Callable[[], None] | None = None) -> Future:
        """Queue `job`; `started` is called from the worker as it begins, `done` when it ends
        (cancelled or not). Both run in the worker thread."""
        self.cancel(uri)
        with self._lock:
            self._jobs[uri] = job
        return self._pool.submit(self._run, uri, version, job, done, started)

    def cancel(self, uri: str) -> bool:
        """Cancel the document's job, if one is queued or running; True when there was one."""
        with self._lock:
            job = self._jobs.pop(uri, None)
        if job is None:
            return False
        job.cancel()
        return True

    def _run(self, uri: str, version: int, job: ProofJob, done: Callable[[Outcome], None],
             started: Callable[[], None] | None) -> None:
        if started is not None and not job.cancelled:
            started()
        try:
            outcome = Outcome(uri, version, job.run())
        except Exception as exc:  # noqa: BLE001 - reported to the client, never a dead worker
            outcome = Outcome(uri, version, None, exc)
        with self._lock:
            if self._jobs.get(uri) is job:
                del self._jobs[uri]
        done(outcome)

    def shutdown(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
            self._jobs.clear()
        for job in jobs:
            job.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

"""search.isolate: trials trained by fresh `tuner search` processes (one each, or N each),
so that nothing a trial leaves in memory outlives its process. What does stay behind in one
process is TensorFlow's: every traced graph (a trial traces new training and evaluation
steps) is held from C++ where Python's collector cannot reach it, about 12 MB a trial of a
small LSTM on TensorFlow 2.21 with or without keras-tuner (tensorflow/tensorflow#61791), and
keras.backend.clear_session does not free it.

The launcher holds the run's lock and starts one child at a time on the config as run; each
child inherits the lock, resumes the search as any resumed search does (keras-tuner's state,
the records, a trial killed mid-way trained again), trains its trials, records them and
ends. The child whose trials reach max_trials then exports best/ and runs the final model,
repeats and TensorBoard, as a plain search would; when the search ends otherwise (the oracle
has nothing left, the time budget is spent), one last child that trains nothing does. The cost
is a process start per trial (Python, TensorFlow, the data): measured in make bench section 12.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tuner.config.schema import Config
from tuner.engine import signals
from tuner.errors import AlreadySaid, UserInputError
from tuner.run import folder as run_folder
from tuner.run import layout, records, results, role, run_lock
from tuner.service.results import SearchResult

POLL_SECONDS = 0.2  # how soon a signal to the launcher reaches its trial process


def search_isolated(config: Config, run_dir: Path, runs: Path, verbose: bool) -> SearchResult:
    lock = run_lock.lock_fd(run_dir)
    if lock is None:  # Windows: filelock's lock is not inherited
        raise UserInputError(
            "search.isolate needs a POSIX system (its trial processes inherit the run's lock); "
            "remove it",
            file=config.file,
            key="search.isolate",
        )
    from tuner.engine.workers import member_command  # no Keras there

    command = member_command(layout.config_file(run_dir), runs, verbose)
    env = {**os.environ, role.INHERITED_LOCK_FD: str(lock)}
    each = config.search.trials_per_process or 1
    trials = "each trial" if each == 1 else f"every {each} trials"
    print(f"{config.name}: {trials} in a fresh process (search.isolate)", file=sys.stderr)
    started = time.monotonic()
    budget = config.time_budget_s
    while True:
        signals.check()  # a signal between two trial processes: no next one
        done = len(records.read_records(run_dir)[0])
        if done >= config.search.max_trials:
            break
        if budget is not None and time.monotonic() - started > budget:
            break
        _run(
            command, {**env, role.TRIALS_HERE: str(each)}, lock, f"the process of trial {done + 1}"
        )
        env[role.QUIET_START] = "1"  # the first process has said what the search is
        if len(records.read_records(run_dir)[0]) == done:
            break  # the oracle created no trial: a grid or a small space is exhausted
    # The process whose trials ended the search wrote best/; where none did (the time budget,
    # a grid used up, a resume of a finished run), one more trains nothing and writes it.
    if not run_folder.is_finished(config, root=runs):
        _run(command, {**env, role.TRIALS_HERE: "0"}, lock, "the export after the last trial")
    return SearchResult(config, run_dir, results.read_test(run_dir) or None)


def _run(command: list[str], env: dict[str, str], lock: int, what: str) -> None:
    """One trial process, to its end. It runs in its own process group, so a Ctrl-C at the
    terminal reaches this launcher alone, which hands every signal on: the child stops as a
    plain search stops (after the batch; a second signal at once), and so does this loop. It
    dies with the launcher (Linux), as the --workers crew does."""
    from tuner.engine.workers import dies_with_launcher  # no Keras there

    process = subprocess.Popen(
        command,
        env=env,
        pass_fds=(lock,),
        process_group=0,
        preexec_fn=dies_with_launcher(),  # a launcher killed outright takes its child along
    )
    handed = 0
    while True:
        try:
            code = process.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        except signals.Interrupted as second:  # a second signal: the child's second too
            process.send_signal(second.signum)
            process.wait()
            raise
        for signum in signals.received()[handed:]:
            process.send_signal(signum)
            handed += 1
        if code is not None:
            break
    if code < 0 and -code in signals.received():
        # It died of a signal handed on before it could catch it (starting, or ending after
        # its search), so it said nothing: the launcher stops as a search stops, in words.
        raise signals.Interrupted(-code)
    if code in signals.EXIT_CODES.values():
        raise AlreadySaid(f"{what} was stopped by a signal; finished trials are kept", code)
    if code != 0:
        reason = f"exit code {code}" if code > 0 else f"signal {-code}"
        raise AlreadySaid(
            f"{what} stopped ({reason}; its message is above); the same command resumes the search",
            code if code > 0 else 1,
        )
    signals.check()  # a signal that came as the child ended: stop here too

"""The shared result caches: what a selection gives is computed once and never confused with
another selection's, another dataset's or a frame that no longer exists."""

from __future__ import annotations

import gc

import pandas as pd

from components.analysis import memo
from components.analysis.filters import StudyFilter, apply_filter


class Ev:  # any object an evidence base stands for: weak-referenceable, compared by identity
    pass


def counting(maxsize=3):
    calls = []

    @memo.per_evidence(maxsize=maxsize)
    def work(evidence, *args, **kwargs):
        calls.append(args)
        return object()

    return work, calls


def test_the_same_selection_gets_the_same_result_and_another_selection_its_own():
    work, calls = counting()
    ev = Ev()
    first = work(ev, ("sle",), rows="conditions")
    assert work(ev, ("sle",), rows="conditions") is first
    assert work(ev, ("ssc",), rows="conditions") is not first
    assert work(ev, ("sle",), rows="benefits") is not first
    assert len(calls) == 3


def test_another_dataset_never_gets_this_one_s_result():
    work, _ = counting()
    assert work(Ev(), "x") is not work(Ev(), "x")


def test_only_the_latest_results_are_kept():
    work, calls = counting(maxsize=2)
    ev = Ev()
    for key in ("a", "b", "c"):
        work(ev, key)
    assert work.cache_size() == 2
    work(ev, "a")  # evicted: worked out again
    assert calls.count(("a",)) == 2


def test_frames_count_by_identity_and_a_dead_frame_is_never_matched_again():
    work, _ = counting(maxsize=10)
    ev = Ev()
    frame = pd.DataFrame({"x": [1]})
    kept = work(ev, frame)
    assert work(ev, frame) is kept
    assert work(ev, pd.DataFrame({"x": [1]})) is not kept  # equal content, another frame
    del frame
    gc.collect()
    # Whatever id a new frame gets, the old entry is gone with its frame.
    assert all(work(ev, pd.DataFrame({"x": [i]})) is not kept for i in range(20))


def test_dicts_of_frames_are_keys_too_and_unhashable_arguments_are_worked_out_afresh():
    work, calls = counting(maxsize=10)
    ev, frame = Ev(), pd.DataFrame({"x": [1]})
    assert work(ev, {"sle": frame}) is work(ev, {"sle": frame})
    n = len(calls)
    work(ev, {1, 2})
    work(ev, {1, 2})
    assert len(calls) == n + 2


def test_a_filtered_selection_is_one_shared_frame(mini):
    first = apply_filter(mini, StudyFilter(conditions=("sle",)))
    assert apply_filter(mini, StudyFilter(conditions=("sle",))) is first
    assert apply_filter(mini, StudyFilter(conditions=("systemic_sclerosis",))) is not first

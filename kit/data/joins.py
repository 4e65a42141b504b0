"""Joining tables from several sources without silently losing, multiplying or leaking rows.

Three habits for a feature table assembled from dispersed sources (Paleyes et al. 2022,
section 3.1, data collection; Sculley et al. 2015 call the glue code that does it a
"pipeline jungle"):

- ``audit_join`` says what a join did: rows in and out, left rows that found no partner,
  right-hand keys that occur more than once (each one multiplies the left rows it matches).
- ``checked_merge`` is ``pandas.merge`` with a contract: the key relationship
  (``validate="many_to_one"``) and the largest share of unmatched left rows you accept. It
  raises ``JoinContractError``, naming the table, the key and what was expected, instead of
  returning a table that looks fine.
- ``asof_mean`` computes a point-in-time feature with ``pandas.merge_asof``: for each query
  row, the mean of the events of the same group that happened strictly before the query time
  (Kaufman et al. 2012: a feature must use only what was known at prediction time).

Taught in ``notebooks/01_collection-joins.ipynb``.

Examples
--------
>>> flights = pd.DataFrame({"tailnum": ["N1", "N2", "N9"]})
>>> planes = pd.DataFrame({"tailnum": ["N1", "N2"], "seats": [180, 55]})
>>> audit_join(flights, planes, on="tailnum", how="inner", name="planes")[1]
JoinAudit(planes, inner on ['tailnum']: 3 -> 2 rows, 1 left rows unmatched, 0 duplicate right keys)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from kit._validate import check_choice, check_columns, check_range, check_type

__all__ = ["JoinAudit", "JoinContractError", "audit_join", "checked_merge", "asof_mean"]

HOWS = ("left", "inner")
RELATIONSHIPS = ("one_to_one", "one_to_many", "many_to_one", "many_to_many")


class JoinContractError(ValueError):
    """A join broke its contract (key relationship or unmatched share); the message names both.

    >>> issubclass(JoinContractError, ValueError)
    True
    """


@dataclass(frozen=True)
class JoinAudit:
    """What one join did to the row count.

    >>> JoinAudit("weather", "left", ("origin",), 10, 5, 10, 2, 0).unmatched_share
    0.2
    """

    name: str
    how: str
    on: tuple[str, ...]
    left_rows: int
    right_rows: int
    rows: int
    unmatched_left: int
    duplicate_right_keys: int

    @property
    def unmatched_share(self) -> float:
        return self.unmatched_left / self.left_rows if self.left_rows else 0.0

    def __repr__(self) -> str:
        return (f"JoinAudit({self.name}, {self.how} on {list(self.on)}: {self.left_rows} -> {self.rows} rows, "
                f"{self.unmatched_left} left rows unmatched, {self.duplicate_right_keys} duplicate right keys)")


def _keys(on: str | Sequence[str], left: pd.DataFrame, right: pd.DataFrame, name: str, *,
          arg: str = "on", left_name: str = "left") -> list[str]:
    return check_columns(on, arg, [(left_name, left), (name, right)], single=True, noun="key columns")


def _frames(left, right, name, how):
    check_type(left, "left", pd.DataFrame, what="a pandas DataFrame")
    check_type(right, "right", pd.DataFrame, what="a pandas DataFrame")
    check_type(name, "name", str, what="a table name (str)")
    check_choice(how, "how", HOWS)


def audit_join(left: pd.DataFrame, right: pd.DataFrame, *, on: str | Sequence[str], how: str = "left",
               name: str = "right") -> tuple[pd.DataFrame, JoinAudit]:
    """Join ``left`` to ``right`` on ``on`` and count what the join did.

    Parameters
    ----------
    left, right : DataFrame
        The table being enriched, and the table it is joined to (``name`` names it).
    on : str or list of str
        Key columns present in both.
    how : {"left", "inner"}
        An inner join drops the unmatched left rows; a left join keeps them with missing values.

    Returns
    -------
    (joined, audit): the joined DataFrame (no indicator column) and a ``JoinAudit``.

    Examples
    --------
    >>> flights = pd.DataFrame({"origin": ["EWR", "EWR", "JFK"], "hour": [5, 6, 5]})
    >>> weather = pd.DataFrame({"origin": ["EWR", "EWR", "JFK"], "hour": [5, 5, 5], "temp": [1, 2, 3]})
    >>> joined, audit = audit_join(flights, weather, on=["origin", "hour"], name="weather")
    >>> audit.rows, audit.unmatched_left, audit.duplicate_right_keys
    (4, 1, 1)
    """
    _frames(left, right, name, how)
    keys = _keys(on, left, right, name)
    joined = left.merge(right, on=keys, how="left", indicator="_join_")
    unmatched = int((joined["_join_"] == "left_only").sum())
    if how == "inner":
        joined = joined[joined["_join_"] == "both"]
    joined = joined.drop(columns="_join_").reset_index(drop=True)
    dups = int(right.duplicated(keys, keep="first").sum())
    return joined, JoinAudit(name, how, tuple(keys), len(left), len(right), len(joined), unmatched, dups)


def checked_merge(left: pd.DataFrame, right: pd.DataFrame, *, on: str | Sequence[str], how: str = "left",
                  validate: str = "many_to_one", max_unmatched: float = 0.0,
                  name: str = "right") -> pd.DataFrame:
    """``pandas.merge`` that fails loudly when the join breaks its contract.

    The key relationship is checked by pandas itself (``merge(validate=...)``); the share of
    left rows without a partner is counted with ``merge(indicator=True)``.

    Parameters
    ----------
    validate : str
        The expected relationship, as pandas spells it ("many_to_one": each key at most once
        on the right, so no left row is multiplied).
    max_unmatched : float in [0, 1]
        The largest share of left rows allowed to find no partner.

    Returns
    -------
    DataFrame: the joined table (``how="inner"`` drops the unmatched rows, within the budget).

    Raises
    ------
    JoinContractError
        Naming the table, the key, what was expected and what was found.

    Examples
    --------
    >>> flights = pd.DataFrame({"tailnum": ["N1", "N2", "N9"]})
    >>> planes = pd.DataFrame({"tailnum": ["N1", "N2"], "seats": [180, 55]})
    >>> checked_merge(flights, planes, on="tailnum", name="planes", max_unmatched=0.5)["seats"].tolist()
    [180.0, 55.0, nan]
    >>> checked_merge(flights, planes, on="tailnum", name="planes")
    Traceback (most recent call last):
    ...
    kit.data.joins.JoinContractError: planes on ['tailnum']: 1 of 3 left rows (33.3%) have no match, more than max_unmatched=0.0; e.g. {'tailnum': 'N9'}
    """
    _frames(left, right, name, how)
    keys = _keys(on, left, right, name)
    check_choice(validate, "validate", RELATIONSHIPS)
    check_range(max_unmatched, "max_unmatched", low=0.0, high=1.0)
    try:
        joined = left.merge(right, on=keys, how="left", validate=validate, indicator="_join_")
    except pd.errors.MergeError as err:
        dup_side = right if validate.endswith("to_one") else left
        dup = dup_side[dup_side.duplicated(keys, keep=False)]
        example = dup[keys].iloc[0].to_dict() if len(dup) else {}
        raise JoinContractError(f"{name} on {keys}: expected {validate}, but {len(dup)} rows share a key; "
                                f"e.g. {example} ({err})") from None
    lost = joined["_join_"] == "left_only"
    if lost.mean() > max_unmatched:
        example = joined.loc[lost, keys].iloc[0].to_dict()
        raise JoinContractError(f"{name} on {keys}: {int(lost.sum())} of {len(left)} left rows ({lost.mean():.1%}) "
                                f"have no match, more than max_unmatched={max_unmatched}; e.g. {example}")
    if how == "inner":
        joined = joined[~lost]
    return joined.drop(columns="_join_").reset_index(drop=True)


def asof_mean(events: pd.DataFrame, queries: pd.DataFrame, *, value: str, event_time: str, query_time: str,
              by: str | Sequence[str]) -> pd.DataFrame:
    """Point-in-time mean: per query row, the mean ``value`` of same-group events strictly before it.

    Events are sorted by time and given running sums per group; ``pandas.merge_asof`` then
    attaches to each query the last running sum whose event time is strictly earlier
    (``allow_exact_matches=False``), so no event at or after the query time is ever used.
    Events with a missing ``value`` or time are ignored.

    Parameters
    ----------
    events : DataFrame (n_events, ...)
        Holds ``value``, ``event_time`` (when the value became known) and the ``by`` columns.
    queries : DataFrame (n, ...)
        Holds ``query_time`` (the prediction time) and the ``by`` columns.
    by : str or list of str
        Group columns, e.g. ``["origin", "date"]`` for "this airport, so far today".

    Returns
    -------
    DataFrame (n, 2) indexed like ``queries``: ``mean`` (NaN when no earlier event) and ``count``.

    Examples
    --------
    >>> events = pd.DataFrame({"origin": ["EWR"] * 3, "t": [1, 2, 3], "delay": [10.0, 20.0, 90.0]})
    >>> queries = pd.DataFrame({"origin": ["EWR", "EWR", "EWR"], "t": [1, 3, 9]})
    >>> asof_mean(events, queries, value="delay", event_time="t", query_time="t", by="origin")
       mean  count
    0   NaN      0
    1  15.0      2
    2  40.0      3
    """
    check_type(events, "events", pd.DataFrame, what="a pandas DataFrame")
    check_type(queries, "queries", pd.DataFrame, what="a pandas DataFrame")
    groups = _keys(by, events, queries, "queries", arg="by", left_name="events")
    for arg, col, frame in (("value", value, events), ("event_time", event_time, events),
                            ("query_time", query_time, queries)):
        if not isinstance(col, str) or col not in frame.columns:
            raise KeyError(f"{arg}: expected a column of {'events' if frame is events else 'queries'}, got {col!r}")
    ev = events[groups + [event_time, value]].dropna(subset=[event_time, value])
    ev = ev.sort_values(event_time, kind="stable")
    running = ev.groupby(groups, sort=False)[value]
    ev = ev.assign(_sum=running.cumsum(), _count=running.cumcount() + 1)[groups + [event_time, "_sum", "_count"]]
    q = queries[groups + [query_time]].assign(_row=range(len(queries)))
    q = q.dropna(subset=[query_time]).sort_values(query_time, kind="stable")
    ev = ev.rename(columns={event_time: query_time}) if event_time != query_time else ev
    ev[query_time] = ev[query_time].astype(q[query_time].dtype)
    m = pd.merge_asof(q, ev, on=query_time, by=groups, allow_exact_matches=False)
    m = m.set_index("_row").reindex(range(len(queries)))
    count = m["_count"].fillna(0).astype(int).to_numpy()
    mean = (m["_sum"] / m["_count"]).to_numpy()
    return pd.DataFrame({"mean": mean, "count": count}, index=queries.index)
